"""The seed's load profile: 50 users, spawn 10/s, 1-3 s think time, signup:health 3:1, a fresh
email and Idempotency-Key per signup. bench/run.ts runs it headless for a bounded time:

    BENCH_RUN=manual locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --stop-timeout 10 \
        -H http://127.0.0.1:PORT --csv /tmp/locust --only-summary

A signup counts as a failure unless it is a 201; the id of every 201 is written to
BENCH_LOCUST_IDS (one per line) when the test stops, so the bench can check each against the
database. The moment each signup was sent is written to BENCH_LOCUST_SENDS (ms after the first,
one per line), so the bench can run the hash alone at the same moments. --stop-timeout lets
in-flight requests finish, so no row exists without its 201.
"""
import os
import time
import uuid

from locust import HttpUser, between, events, task

RUN = os.environ.get("BENCH_RUN", "manual")
IDS_FILE = os.environ.get("BENCH_LOCUST_IDS")
SENDS_FILE = os.environ.get("BENCH_LOCUST_SENDS")
created_ids = []
sent_at = []


class SignupUser(HttpUser):
    wait_time = between(1, 3)

    @task(3)
    def signup(self):
        tag = f"locust-{RUN}-{uuid.uuid4()}"
        body = {"name": "Locust User", "email": f"{tag}@bench.example.com", "password": "Velero-Azul-27", "display_name": "Locust"}
        sent_at.append(time.monotonic())
        with self.client.post(
            "/signup",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="/signup",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                created_ids.append(response.json()["id"])
                response.success()
            else:
                response.failure(f"status {response.status_code}")

    @task(1)
    def health(self):
        with self.client.get("/health", name="/health", catch_response=True) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"status {response.status_code}")


@events.quitting.add_listener
def write_records(environment, **kwargs):
    if IDS_FILE:
        with open(IDS_FILE, "w") as f:
            f.write("\n".join(created_ids))
    if SENDS_FILE and sent_at:
        with open(SENDS_FILE, "w") as f:
            f.write("\n".join(f"{(t - sent_at[0]) * 1000:.3f}" for t in sent_at))
