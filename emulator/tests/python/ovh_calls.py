"""Drives the emulator with python-ovh, the official Python client (PyPI `ovh`).

Reads the emulator's URL and credentials from the environment (set by python_ovh.rs), makes
signed calls, and prints one JSON object with what happened, on the last line of stdout.
"""

import json
import os
import sys

import ovh
import ovh.client
import requests

endpoint = os.environ["EMU_ENDPOINT"]
# python-ovh only knows named endpoints: register the emulator under a name of its own.
ovh.client.ENDPOINTS["emulator"] = endpoint
ovh.client.OAUTH2_TOKEN_URLS["emulator"] = os.environ["EMU_TOKEN_URL"]

ak, secret = os.environ["EMU_AK"], os.environ["EMU_AS"]
client = ovh.Client(
    endpoint="emulator",
    application_key=ak,
    application_secret=secret,
    consumer_key=os.environ["EMU_CK"],
)
out = {}


def error_name(call):
    try:
        call()
        return None
    except ovh.exceptions.APIError as e:
        return type(e).__name__


out["time"] = client.get("/auth/time", _need_auth=False)
out["time_delta"] = client.time_delta
out["me"] = client.get("/me")
out["bills"] = client.get("/me/bill")
out["bills_query"] = client.get("/me/bill", orderId=42)
out["occ"] = client.get("/ovhCloudConnect")
out["reverse"] = client.post("/ip/1.2.3.0%2F24/reverse", ipReverse="1.2.3.4", reverse="h.example.net.")
out["put_me"] = client.put("/me", city="Roubaix")
out["v2_policies"] = client.get("/v2/iam/policy")
out["current"] = client.get("/auth/currentCredential")
out["unknown_path"] = error_name(lambda: client.get("/no/such/thing"))

restricted = ovh.Client(
    endpoint="emulator",
    application_key=ak,
    application_secret=secret,
    consumer_key=os.environ["EMU_CK_ME_ONLY"],
)
out["restricted_me"] = isinstance(restricted.get("/me"), dict)
try:
    restricted.get("/vrack")
    out["not_granted"] = None
except ovh.exceptions.NotGrantedCall as e:
    out["not_granted"] = {"class": type(e).__name__, "query_id": e.query_id}

wrong = ovh.Client(endpoint="emulator", application_key=ak, application_secret="wrong", consumer_key=os.environ["EMU_CK"])
out["wrong_secret"] = error_name(lambda: wrong.get("/me"))
unknown_app = ovh.Client(endpoint="emulator", application_key="unknown", application_secret=secret, consumer_key=os.environ["EMU_CK"])
out["unknown_app"] = error_name(lambda: unknown_app.get("/me"))

# The consumer-key flow: request, the user approves at the validation URL, then use it.
fresh = ovh.Client(endpoint="emulator", application_key=ak, application_secret=secret)
request = fresh.new_consumer_key_request()
request.add_recursive_rules(ovh.API_READ_ONLY, "/me")
answer = request.request()
out["credential_state"] = answer["state"]
pending = ovh.Client(endpoint="emulator", application_key=ak, application_secret=secret, consumer_key=answer["consumerKey"])
out["before_validation"] = error_name(lambda: pending.get("/me"))
out["validation_status"] = requests.get(answer["validationUrl"]).status_code
out["after_validation"] = isinstance(pending.get("/me"), dict)

# OAuth2 service account (oauthlib needs OAUTHLIB_INSECURE_TRANSPORT=1 for http).
service = ovh.Client(endpoint="emulator", client_id=os.environ["EMU_CLIENT_ID"], client_secret=os.environ["EMU_CLIENT_SECRET"])
out["oauth2_me"] = isinstance(service.get("/me"), dict)

print(json.dumps(out))
sys.stdout.flush()
