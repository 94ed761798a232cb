// Node openid-client (v6) as an app uses it, against the broker: discovery of the RFC 8414 metadata, then a
// client_credentials grant that the broker refuses. Shows what the library makes of the refusal: the RFC 6749 5.2
// error it reports to the app (invalid_scope for a scope beyond the grant, unauthorized_client without a grant).
//
// Run by dev.tokenbroker.oauth.OAuthClientLibrariesTest after `npm ci` in src/test/node (.ci/run does it):
//     node openid_client_refusal.mjs ISSUER CLIENT_ID CLIENT_SECRET SCOPE
// Prints {"error", "error_description", "status"} as the library reports them (or {"access_token"} if granted).
import * as client from 'openid-client';

const [issuer, clientId, clientSecret, scope] = process.argv.slice(2);
// The broker under test speaks plain HTTP on loopback; openid-client refuses that unless told.
const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
try {
    const granted = await client.clientCredentialsGrant(config, { scope });
    console.log(JSON.stringify({ access_token: granted.access_token }));
} catch (e) {
    if (!(e instanceof client.ResponseBodyError)) {
        throw e;
    }
    console.log(JSON.stringify({ error: e.error, error_description: e.error_description, status: e.status }));
}
