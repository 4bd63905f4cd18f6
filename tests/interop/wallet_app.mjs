// A wallet app built on @openid4vc/openid4vci and @openid4vc/openid4vp (OpenWallet
// Foundation's oid4vc-ts, used by Credo and the EUDI wallets), driven by Tessera's interop
// tests: one JSON request on stdin, one JSON answer on stdout.
//
//   {"op": "receive", "offer": "openid-credential-offer://…", "txCode": "123456"?,
//    "curve": "Ed25519" | "P-256", "rewrite": {"https://public.origin": "http://127.0.0.1:port"}}
//   -> {"holder": {did, kid, privateJwk}, "credential": {...}, "issuerMetadata": {...}}
//
// `rewrite` maps the service's public origin to where the test runs it, so the issuer keeps
// its real https identifier (the library refuses plain http identifiers, as it should).
import {webcrypto as crypto} from 'node:crypto';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vpClient} from '@openid4vc/openid4vp';

const subtle = crypto.subtle;

function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

function rewritingFetch(rewrite) {
  return async (input, init) => {
    let url = typeof input === 'string' ? input : input.url;
    for(const [from, to] of Object.entries(rewrite ?? {})) {
      if(url.startsWith(from)) {
        url = to + url.slice(from.length);
      }
    }
    return fetch(url, init);
  };
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while(n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for(const b of bytes) {
    if(b !== 0) {
      break;
    }
    out = '1' + out;
  }
  return out;
}

// A holder key as the wallet keeps it: WebCrypto keys, the public JWK and a did:key.
export async function makeHolder(curve) {
  const algorithm = curve === 'P-256' ?
    {name: 'ECDSA', namedCurve: 'P-256'} : {name: 'Ed25519'};
  const pair = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const publicJwk = await subtle.exportKey('jwk', pair.publicKey);
  const privateJwk = await subtle.exportKey('jwk', pair.privateKey);
  let did;
  if(curve === 'P-256') {
    const raw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
    const compressed = new Uint8Array(33);
    compressed[0] = (raw[64] & 1) ? 3 : 2;
    compressed.set(raw.slice(1, 33), 1);
    did = 'did:key:z' + base58(new Uint8Array([0x80, 0x24, ...compressed]));
  } else {
    const raw = Buffer.from(publicJwk.x, 'base64url');
    did = 'did:key:z' + base58(new Uint8Array([0xed, 0x01, ...raw]));
  }
  const kid = `${did}#${did.slice('did:key:'.length)}`;
  return {
    curve, did, kid, pair,
    publicJwk: {kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y},
    privateJwk,
  };
}

export async function signJws(holder, header, payload) {
  const alg = holder.curve === 'P-256' ? 'ES256' : 'EdDSA';
  const head = b64url(JSON.stringify({...header, alg}));
  const body = b64url(JSON.stringify(payload));
  const data = new TextEncoder().encode(`${head}.${body}`);
  const params = holder.curve === 'P-256' ?
    {name: 'ECDSA', hash: 'SHA-256'} : {name: 'Ed25519'};
  const signature = await subtle.sign(params, holder.pair.privateKey, data);
  return `${head}.${body}.${b64url(new Uint8Array(signature))}`;
}

export function callbacks(holder, rewrite) {
  return {
    fetch: rewritingFetch(rewrite),
    generateRandom: n => crypto.getRandomValues(new Uint8Array(n)),
    hash: async (data, alg) => new Uint8Array(await subtle.digest(
      alg.replace('sha-', 'SHA-'), data)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const jwt = await signJws(holder, header, payload);
      return {jwt, signerJwk: holder.publicJwk};
    },
  };
}

async function receive(req) {
  const holder = await makeHolder(req.curve ?? 'Ed25519');
  const client = new Openid4vciClient({callbacks: callbacks(holder, req.rewrite)});
  const credentialOffer = await client.resolveCredentialOffer(req.offer);
  const issuerMetadata = await client.resolveIssuerMetadata(
    credentialOffer.credential_issuer);
  const {accessTokenResponse} =
    await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, txCode: req.txCode ?? undefined,
    });
  const credentialConfigurationId =
    credentialOffer.credential_configuration_ids[0];
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    nonce,
    signer: {
      method: 'did', didUrl: holder.kid,
      alg: holder.curve === 'P-256' ? 'ES256' : 'EdDSA',
    },
  });
  const response = await client.retrieveCredentials({
    issuerMetadata,
    credentialConfigurationId,
    accessToken: accessTokenResponse.access_token,
    proofs: {jwt: [jwt]},
  });
  const credentials = response.credentialResponse.credentials ?? [];
  return {
    holder: {did: holder.did, kid: holder.kid, curve: holder.curve},
    holderKey: holder.curve === 'Ed25519' ? multikeyOf(holder) : null,
    credential: credentials[0]?.credential,
    issuerMetadata: issuerMetadata.credentialIssuer,
  };
}

// The Ed25519 holder key as the reference harness's `key` (Multikey), so the reference
// stack can sign the holder's presentation with it.
function multikeyOf(holder) {
  const publicKey = Buffer.from(holder.privateJwk.x, 'base64url');
  const seed = Buffer.from(holder.privateJwk.d, 'base64url');
  return {
    id: holder.kid, controller: holder.did,
    publicKeyMultibase: 'z' + base58(new Uint8Array([0xed, 0x01, ...publicKey])),
    secretKeyMultibase: 'z' + base58(new Uint8Array([0x80, 0x26, ...seed])),
  };
}

function verifierClient(rewrite) {
  return new Openid4vpClient({callbacks: {
    fetch: rewritingFetch(rewrite),
    hash: async (data, alg) => new Uint8Array(await subtle.digest(
      alg.replace('sha-', 'SHA-'), data)),
  }});
}

// Read a verifier's OpenID4VP request as a wallet does: what to sign for (the nonce as
// the presentation's challenge, the effective client identifier as its domain) and what
// the DCQL query asks for.
async function resolveRequest(req) {
  const client = verifierClient(req.rewrite);
  const parsed = client.parseOpenid4vpAuthorizationRequest({
    authorizationRequest: req.request,
  });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  });
  const payload = resolved.authorizationRequestPayload;
  return {
    nonce: payload.nonce,
    domain: resolved.client.effective,
    clientPrefix: resolved.client.prefix,
    responseUri: payload.response_uri,
    responseMode: payload.response_mode,
    queryIds: (resolved.dcql?.query?.credentials ?? []).map(q => q.id),
  };
}

// Answer the request with a presentation the holder signed: the library builds the
// authorization response (vp_token by DCQL query id, state) and posts it (direct_post).
async function respond(req) {
  const client = verifierClient(req.rewrite);
  const parsed = client.parseOpenid4vpAuthorizationRequest({
    authorizationRequest: req.request,
  });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  });
  const queryId = resolved.dcql.query.credentials[0].id;
  const created = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: resolved.authorizationRequestPayload,
    authorizationResponsePayload: {vp_token: {[queryId]: [req.presentation]}},
  });
  const {response} = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: resolved.authorizationRequestPayload,
    authorizationResponsePayload: created.authorizationResponsePayload,
  });
  return {status: response.status, body: await response.text()};
}

const OPS = {receive, resolveRequest, respond};

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  try {
    const op = OPS[req.op];
    if(!op) {
      throw new Error(`unknown op ${req.op}`);
    }
    process.stdout.write(JSON.stringify({ok: true, result: await op(req)}));
  } catch(error) {
    process.stdout.write(JSON.stringify({
      ok: false, error: String(error?.stack ?? error),
      details: error?.errorResponse ?? error?.response?.body ?? null,
    }));
  }
}

if(import.meta.url === `file://${process.argv[1]}`) {
  main();
}
