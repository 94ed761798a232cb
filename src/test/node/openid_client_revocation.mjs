// Node openid-client (v6) as an app uses it, against the broker: discovery of the RFC 8414 metadata, a
// client_credentials grant, tokenRevocation of the access token (as an app does when an API refused it), and one
// more grant, which must give a new token.
//
// Run by dev.tokenbroker.oauth.OAuthRevocationTest after `npm ci` in src/test/node (.ci/run does it):
//     node openid_client_revocation.mjs ISSUER CLIENT_ID CLIENT_SECRET SCOPE
// Prints {"first": ..., "second": ...} with both access tokens.
import * as client from 'openid-client';

const [issuer, clientId, clientSecret, scope] = process.argv.slice(2);
// The broker under test speaks plain HTTP on loopback; openid-client refuses that unless told.
const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });
const first = await client.clientCredentialsGrant(config, { scope });
await client.tokenRevocation(config, first.access_token, { token_type_hint: 'access_token' });
const second = await client.clientCredentialsGrant(config, { scope });
console.log(JSON.stringify({ first: first.access_token, second: second.access_token }));
