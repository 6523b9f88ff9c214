"""Latency percentiles (P50/P95/P99) per scenario, service beside its limit, from a results JSON.
Usage: python3 bench/chart.py bench/results/<timestamp>.json bench/results/<timestamp>.svg
Needs matplotlib (Debian: python3-matplotlib)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

results = json.load(open(sys.argv[1]))
out = sys.argv[2]

series = []
for row in results["rows"]:
    series.append((row["scenario"], row["service"]))
    if row.get("limitValue") and row["scenario"] != "POST /signup replay":
        series.append((f"  limit: {row['limit']}", row["limitValue"]))

labels = [name for name, _ in series][::-1]
data = [m for _, m in series][::-1]
fig, ax = plt.subplots(figsize=(10, 0.55 * len(series) + 1.6))
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
fig.tight_layout()
fig.savefig(out)
