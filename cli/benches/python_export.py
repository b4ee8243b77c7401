"""The straightforward python-ovh script a user writes today to load bills and their details
into SQLite: list, then get each, then write. Paces itself on 429 (Retry-After), as such scripts
end up doing against the real rate limit. Prints one JSON line: rows and requests."""
import json
import os
import sqlite3
import sys
import time

import ovh

# python-ovh only knows named endpoints: register the emulator under a name of its own.
ovh.client.ENDPOINTS["emulator"] = os.environ["EMU_ENDPOINT"]
client = ovh.Client(
    endpoint="emulator",
    application_key=os.environ["EMU_AK"],
    application_secret=os.environ["EMU_AS"],
    consumer_key=os.environ["EMU_CK"],
)
requests = 0


def get(path):
    global requests
    while True:
        requests += 1
        try:
            return client.get(path)
        except ovh.exceptions.APIError as e:
            if "429" in str(e) or "TooManyRequests" in str(e) or "Too many" in str(e):
                time.sleep(1)
                continue
            raise


db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE IF NOT EXISTS bills (billId TEXT PRIMARY KEY, date TEXT, price REAL, body TEXT)")
db.execute(
    "CREATE TABLE IF NOT EXISTS details (billId TEXT, billDetailId TEXT, description TEXT, "
    "price REAL, body TEXT, PRIMARY KEY (billId, billDetailId))"
)
rows = 0
for bill_id in get("/me/bill"):
    bill = get(f"/me/bill/{bill_id}")
    db.execute(
        "INSERT OR REPLACE INTO bills VALUES (?, ?, ?, ?)",
        (bill_id, bill.get("date"), (bill.get("priceWithTax") or {}).get("value"), json.dumps(bill)),
    )
    rows += 1
    for detail_id in get(f"/me/bill/{bill_id}/details"):
        detail = get(f"/me/bill/{bill_id}/details/{detail_id}")
        db.execute(
            "INSERT OR REPLACE INTO details VALUES (?, ?, ?, ?, ?)",
            (bill_id, detail_id, detail.get("description"),
             (detail.get("totalPrice") or {}).get("value"), json.dumps(detail)),
        )
        rows += 1
    db.commit()
print(json.dumps({"rows": rows, "requests": requests}))
