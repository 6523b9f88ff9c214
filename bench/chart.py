"""Latency percentiles (P50/P95/P99) per scenario, service beside its limit, from a results JSON;
below them, the admission sweep's signup latency (P50/P95) against the offered rate, the service's
curve beside the hash alone's at the same rates.
Usage: python3 bench/chart.py bench/results/<timestamp>.json bench/results/<timestamp>.svg
Needs matplotlib (Debian: python3-matplotlib)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

results = json.load(open(sys.argv[1]))
out = sys.argv[2]

# The profile's signups beside the hash alone at their own send times (absent in older results).
at_sends = results["locust"].get("hash_alone_at_signup_sends")
series = []
for row in results["rows"]:
    series.append((row["scenario"], row["service"]))
    if row.get("limitValue") and row["scenario"] != "POST /signup replay":
        series.append((f"  limit: {row['limit']}", row["limitValue"]))
    if at_sends and row["scenario"] == "Locust seed profile, /signup":
        series.append(("  hash alone at the same send times", at_sends["latency_ms"]))

labels = [name for name, _ in series][::-1]
data = [m for _, m in series][::-1]
bars_height = 0.55 * len(series) + 1.6
curve_height = 4.5
fig, (ax, curve) = plt.subplots(
    2, 1, figsize=(10, bars_height + curve_height), gridspec_kw={"height_ratios": [bars_height, curve_height]}
)
height = 0.26
colors = {"p50": "#4c78a8", "p95": "#f58518", "p99": "#e45756"}
for i, key in enumerate(["p50", "p95", "p99"]):
    ys = [j + (i - 1) * height for j in range(len(data))]
    values = [max(m.get(key) or 0, 0.01) for m in data]
    ax.barh(ys, values, height=height, color=colors[key], label=key.upper())
    for y, v in zip(ys, values):
        ax.text(v * 1.05, y, f"{v:.2f}" if v < 10 else f"{v:.0f}", va="center", fontsize=7)
ax.set_yticks(range(len(data)))
ax.set_yticklabels(labels, fontsize=8)
ax.set_xscale("log")
# Room right of the longest bar and of the SLO line, so neither the value labels nor the SLO label
# fall off the axes.
longest = max(max(m.get(key) or 0 for key in ("p50", "p95", "p99")) for m in data)
ax.set_xlim(right=3 * max(longest, 100))
ax.set_xlabel("latency (ms, log scale)")
ax.axvline(100, color="grey", linestyle="--", linewidth=0.8)
ax.text(100, len(data) - 0.4, " 100 ms SLO", fontsize=7, color="grey")
m = results["machine"]
ax.set_title(
    f"signup-service latency percentiles, {results['started_at'][:19]}Z\n"
    f"{m['nproc']} cores, {m['cpu_model']}, {results['config']['tool']}",
    fontsize=9,
)
ax.legend(loc="lower right", fontsize=8)

# The sweep tries a rate again when it misses and bisects at the end, so rates come out of order
# and some twice: the lines join the last try at each rate (the one that decided it), the earlier
# tries are the hollow marks. Results from before the sweep measured the hash alone have only the
# service's curve.
admission = results["admission"]
sweep = admission["sweep"]
curves = [
    ("service", lambda step: step, "-", "o"),
    ("hash alone", lambda step: step.get("hash_alone"), "--", "s"),
]
for name, measured, linestyle, marker in curves:
    for key in ("p50", "p95"):
        deciding = {}
        earlier = []
        for step in sweep:
            m = measured(step)
            if m is None:
                continue
            if step["rate"] in deciding:
                earlier.append(deciding[step["rate"]])
            deciding[step["rate"]] = (step["rate"], m["latency_ms"][key])
        if not deciding:
            continue
        points = sorted(deciding.values())
        curve.plot(
            [x for x, _ in points],
            [y for _, y in points],
            linestyle=linestyle,
            marker=marker,
            markersize=4,
            color=colors[key],
            label=f"{name} {key.upper()}",
        )
        if earlier:
            curve.scatter(
                [x for x, _ in earlier],
                [y for _, y in earlier],
                marker=marker,
                facecolors="none",
                edgecolors=colors[key],
                s=24,
            )
curve.set_yscale("log")
# Latencies on a log axis read as plain numbers (50, 200), not as powers of ten.
plain_ms = FuncFormatter(lambda v, _: f"{v:g}")
curve.yaxis.set_major_formatter(plain_ms)
curve.yaxis.set_minor_formatter(plain_ms)
curve.tick_params(axis="y", which="minor", labelsize=7)
curve.set_xlabel("offered rate (signups/s; for the hash alone, hashes/s), open loop")
curve.set_ylabel("latency from the scheduled send (ms, log scale)")
curve.axhline(100, color="grey", linestyle="--", linewidth=0.8)
curve.text(0, 100, " 100 ms SLO", fontsize=7, color="grey", va="bottom", transform=curve.get_yaxis_transform())
# The rates tried are fractions of this one.
curve.axvline(admission["hash_alone_rps"], color="grey", linestyle=":", linewidth=0.8)
curve.text(
    admission["hash_alone_rps"],
    0.02,
    f"hash alone, closed loop: {admission['hash_alone_rps']:.1f}/s ",
    fontsize=7,
    color="grey",
    ha="right",
    transform=curve.get_xaxis_transform(),
)
curve.set_title(
    f"admission sweep: signup latency vs offered rate; highest rate with P95 < 100 ms: "
    f"{admission['highest_rate_p95_under_100ms']} signups/s",
    fontsize=9,
)
curve.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig(out)
