"""Python Authlib as an app uses it, against the broker: the revocation endpoint from the RFC 8414 metadata, a token,
revoke_token of it (as an app does when an API refused it), and one more token, which must be a new one.

Run by dev.tokenbroker.oauth.OAuthRevocationTest with Debian's python3-authlib and python3-requests:
    authlib_revocation.py ISSUER CLIENT_ID CLIENT_SECRET AUTH_METHOD SCOPE
AUTH_METHOD (client_secret_basic or client_secret_post) is used at both endpoints. Prints
{"first": ..., "second": ..., "revocation_status": ...}.
"""
import json
import sys

import requests
from authlib.integrations.requests_client import OAuth2Session

issuer, client_id, client_secret, auth_method, scope = sys.argv[1:6]
metadata = requests.get(issuer + "/.well-known/oauth-authorization-server", timeout=30).json()
session = OAuth2Session(client_id, client_secret, token_endpoint_auth_method=auth_method,
                        revocation_endpoint_auth_method=auth_method, scope=scope)
first = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
revoked = session.revoke_token(metadata["revocation_endpoint"], token=first["access_token"],
                               token_type_hint="access_token")
second = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
print(json.dumps({"first": first["access_token"], "second": second["access_token"],
                  "revocation_status": revoked.status_code}))
