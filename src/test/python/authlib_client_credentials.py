"""Python Authlib as an app uses it, against the broker: client_credentials at the broker's token endpoint.

Run by dev.tokenbroker.oauth.OAuthClientLibrariesTest with Debian's python3-authlib and python3-requests:
    authlib_client_credentials.py TOKEN_URL CLIENT_ID CLIENT_SECRET AUTH_METHOD SCOPE
AUTH_METHOD is client_secret_basic or client_secret_post. Prints the token response as JSON.
"""
import json
import sys

from authlib.integrations.requests_client import OAuth2Session

token_url, client_id, client_secret, auth_method, scope = sys.argv[1:6]
session = OAuth2Session(client_id, client_secret, token_endpoint_auth_method=auth_method, scope=scope)
token = session.fetch_token(token_url, grant_type="client_credentials")
print(json.dumps(dict(token)))
