"""Writes orders.csv and labels.csv for the features example (seeded: the same files every time).
A customer who stops ordering churns: the label at a cutoff date depends on the orders before it,
and the orders after a cutoff give its answer away, which is why they must not be joined in."""
import datetime
import random

rng = random.Random(11)
start = datetime.date(2024, 1, 1)
orders, labels = [], []
for customer in range(1, 201):
    active_days = rng.randrange(30, 360)  # the customer orders until then
    day = rng.randrange(0, 20)
    while day < 365:
        stopped = day > active_days
        if not stopped or rng.random() < 0.1:
            orders.append((customer, start + datetime.timedelta(days=day), round(rng.uniform(5, 120), 2)))
        day += rng.randrange(2, 15)
    for cutoff in range(60, 365, 60):
        churned = active_days < cutoff + 30
        labels.append((customer, start + datetime.timedelta(days=cutoff), "true" if churned else "false"))

with open("orders.csv", "w") as out:
    out.write("customer_id,placed,amount\n")
    for row in orders:
        out.write(f"{row[0]},{row[1]},{row[2]}\n")
with open("labels.csv", "w") as out:
    out.write("customer_id,cutoff,churned\n")
    for row in labels:
        out.write(f"{row[0]},{row[1]},{row[2]}\n")
