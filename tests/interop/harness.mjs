#!/usr/bin/env node
/*
 * Tessera interop harness: the reference JavaScript implementation
 * (Digital Bazaar's @digitalbazaar/vc + data-integrity + eddsa-rdfc-2022)
 * behind a newline-delimited JSON protocol on stdin/stdout.
 *
 *   node harness.mjs --contexts DIR [--contexts DIR2 ...]
 *
 * One JSON request per input line, one JSON response per output line, in the
 * same order. Responses are `{"ok":true,"result":...}` or
 * `{"ok":false,"error":"message"}`; a failing request never ends the loop.
 * See README.md for the operations.
 *
 * The document loader is strict and offline: it serves the JSON-LD context
 * files found in the --contexts directories, the few contexts that the
 * libraries themselves need (DID v1, security v1/v2, shipped in npm
 * packages), did:key documents computed from the key, the DID/controller
 * documents passed in a request's `didDocuments`, and the status list
 * credentials passed in `statusLists` / `statusListCredential`. Anything else
 * is an error naming the URL. Nothing is ever fetched from the network.
 */
import {readFileSync, existsSync, statSync, readdirSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import {performance} from 'node:perf_hooks';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {
  BitstringStatusList, checkStatus as bitstringCheckStatus,
} from '@digitalbazaar/vc-bitstring-status-list';
import jsonld from 'jsonld';
import jsigs from 'jsonld-signatures';
import didContext from 'did-context';
import securityContext from '@digitalbazaar/security-context';

// Keep stdout for protocol lines only: anything a library logs goes to stderr.
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);
console.debug = (...args) => console.error(...args);

// File name -> context URL for the shared offline bundle, which ships no
// manifest.json (the mapping is the table in its README.md), and for the
// project's schemas/contexts/. Used for a --contexts directory that has no
// manifest.json; files not named here are ignored in such a directory.
const DEFAULT_BUNDLE_MAP = {
  'credentials-v2.jsonld': 'https://www.w3.org/ns/credentials/v2',
  'credentials-examples-v2.jsonld':
    'https://www.w3.org/ns/credentials/examples/v2',
  'credentials-v1.jsonld': 'https://www.w3.org/2018/credentials/v1',
  'data-integrity-v2.jsonld': 'https://w3id.org/security/data-integrity/v2',
  'multikey-v1.jsonld': 'https://w3id.org/security/multikey/v1',
  'bitstring-status-list-v1.jsonld':
    'https://www.w3.org/ns/credentials/status/v1',
  'status-list-2021-v1.jsonld': 'https://w3id.org/vc/status-list/2021/v1',
  'ob-v3p0-context-3.0.3.json':
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  'ed25519-2020-v1.jsonld':
    'https://w3id.org/security/suites/ed25519-2020/v1',
  'data-integrity-v1.jsonld': 'https://w3id.org/security/data-integrity/v1',
  'ob-v3p0-context.json': 'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
  'ob-v3p0-context-3.0.1.json':
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
  'ob-v3p0-context-3.0.2.json':
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
  'ob-v3p0-extensions.json':
    'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
  'clr-v2p0-context-2.0.1.json':
    'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
  'jff-vc-edu-plugfest-1-context.json':
    'https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json',
  'dcc-v1.npm-copy.jsonld': 'https://w3id.org/dcc/v1',
  'citizenship-v4rc1.jsonld': 'https://w3id.org/citizenship/v4rc1',
  // the project's own context (schemas/contexts/ in this repository)
  'tessera-v1.jsonld': 'https://w3id.org/tessera/contexts/v1',
};

// Contexts the libraries themselves rely on (DID documents, and the security
// context jsonld-signatures frames controller documents with when their first
// context is not DID v1). Taken from the npm packages that ship them; a
// --contexts directory that serves the same URL wins.
const LIBRARY_CONTEXTS = new Map([
  ...didContext.contexts,
  ...securityContext.contexts,
]);

const DID_KEY_ED25519_PREFIX = 'did:key:z6Mk';
const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1';
const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';

// ---------------------------------------------------------------------------
// command line and context store

function parseArgs(argv) {
  const dirs = [];
  for(let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if(arg === '--contexts') {
      if(i + 1 >= argv.length) {
        throw new Error('--contexts needs a directory');
      }
      dirs.push(argv[++i]);
    } else if(arg.startsWith('--contexts=')) {
      dirs.push(arg.slice('--contexts='.length));
    } else {
      throw new Error(`unknown argument "${arg}"`);
    }
  }
  return {dirs};
}

function loadContextDirs(dirs) {
  // url -> {document, source}
  const store = new Map();
  for(const dir of dirs) {
    const abs = resolve(dir);
    if(!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new Error(`--contexts: "${dir}" is not a directory`);
    }
    const manifestPath = join(abs, 'manifest.json');
    let mapping;
    if(existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      if(!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
        throw new Error(`${manifestPath}: expected {"<url>": "<file>"}`);
      }
      mapping = Object.entries(manifest);
    } else {
      const present = new Set(readdirSync(abs));
      mapping = Object.entries(DEFAULT_BUNDLE_MAP)
        .filter(([file]) => present.has(file))
        .map(([file, url]) => [url, file]);
    }
    for(const [url, file] of mapping) {
      if(typeof file !== 'string') {
        throw new Error(`${manifestPath}: file for "${url}" must be a string`);
      }
      const path = join(abs, file);
      let document;
      try {
        document = JSON.parse(readFileSync(path, 'utf8'));
      } catch(e) {
        throw new Error(`cannot load context "${url}" from ${path}: ${e.message}`);
      }
      // later directories override earlier ones
      store.set(url, {document, source: path});
    }
  }
  return store;
}

// ---------------------------------------------------------------------------
// DID documents

function splitDidUrl(url) {
  const hash = url.indexOf('#');
  return hash === -1 ? [url, null] : [url.slice(0, hash), url.slice(hash)];
}

function absolutize(id, base) {
  return typeof id === 'string' && id.startsWith('#') ? base + id : id;
}

const VERIFICATION_RELATIONSHIPS = [
  'authentication', 'assertionMethod', 'keyAgreement',
  'capabilityInvocation', 'capabilityDelegation',
];

// Resolve relative ("#key-1") ids in a DID/controller document the way a DID
// resolver would, so that jsonld-signatures' exact id comparison works.
function normalizeControllerDocument(doc, base) {
  const out = structuredClone(doc);
  const fixVm = vm => {
    if(vm && typeof vm === 'object') {
      return {
        ...vm,
        id: absolutize(vm.id, base),
        controller: absolutize(vm.controller, base) ?? base,
      };
    }
    return absolutize(vm, base);
  };
  if(Array.isArray(out.verificationMethod)) {
    out.verificationMethod = out.verificationMethod.map(fixVm);
  }
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    if(out[rel] !== undefined) {
      out[rel] = (Array.isArray(out[rel]) ? out[rel] : [out[rel]]).map(fixVm);
    }
  }
  return out;
}

async function didKeyDocument(did) {
  if(!did.startsWith(DID_KEY_ED25519_PREFIX)) {
    throw new Error(
      `unsupported did:key "${did}" (only Ed25519 "z6Mk..." keys)`);
  }
  const publicKeyMultibase = did.slice('did:key:'.length);
  // validates the multibase/multicodec encoding of the public key
  await Ed25519Multikey.from({publicKeyMultibase});
  const id = `${did}#${publicKeyMultibase}`;
  return {
    '@context': [DID_CONTEXT_V1, MULTIKEY_CONTEXT_V1],
    id: did,
    verificationMethod: [{
      id,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase,
    }],
    assertionMethod: [id],
    authentication: [id],
  };
}

function findVerificationMethod(doc, url) {
  const candidates = [...(Array.isArray(doc.verificationMethod) ?
    doc.verificationMethod : [])];
  for(const rel of VERIFICATION_RELATIONSHIPS) {
    for(const vm of (Array.isArray(doc[rel]) ? doc[rel] : [])) {
      if(vm && typeof vm === 'object') {
        candidates.push(vm);
      }
    }
  }
  return candidates.find(vm => vm.id === url);
}

// ---------------------------------------------------------------------------
// document loader

function makeDocumentLoader({contexts, didDocuments = {}, documents = {}}) {
  if(didDocuments === null || typeof didDocuments !== 'object' ||
    Array.isArray(didDocuments)) {
    throw new TypeError('"didDocuments" must be an object {"<did>": {...}}');
  }
  return async function documentLoader(url) {
    if(typeof url !== 'string') {
      throw new Error(`document loader: URL must be a string, got ${url}`);
    }
    if(Object.hasOwn(documents, url)) {
      // a status list credential given in the request, served for its URL
      return {
        contextUrl: null, documentUrl: url,
        document: structuredClone(documents[url]),
      };
    }
    const ctx = contexts.get(url);
    if(ctx) {
      return {contextUrl: null, documentUrl: url, document: ctx.document};
    }
    const libCtx = LIBRARY_CONTEXTS.get(url);
    if(libCtx) {
      return {contextUrl: null, documentUrl: url, document: libCtx};
    }
    const [base, fragment] = splitDidUrl(url);
    let doc;
    if(Object.hasOwn(didDocuments, base)) {
      doc = normalizeControllerDocument(didDocuments[base], base);
    } else if(base.startsWith('did:key:')) {
      doc = await didKeyDocument(base);
    }
    if(doc) {
      if(fragment === null) {
        return {contextUrl: null, documentUrl: url, document: doc};
      }
      const vm = findVerificationMethod(doc, url);
      if(!vm) {
        throw new Error(
          `document loader: verification method "${url}" not found in ` +
          `the document for "${base}"`);
      }
      return {contextUrl: null, documentUrl: url, document: vm};
    }
    throw new Error(
      `document loader: URL "${url}" is not served (offline, strict loader; ` +
      'not a bundled context, a did:key, or a document in "didDocuments")');
  };
}

// ---------------------------------------------------------------------------
// operations

function requireObject(value, name) {
  if(value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`"${name}" must be a JSON object`);
  }
  return value;
}

function parseDate(value, name) {
  if(value === undefined || value === null) {
    return undefined;
  }
  const d = new Date(value);
  if(typeof value !== 'string' || isNaN(d)) {
    throw new TypeError(`"${name}" must be an ISO 8601 date-time string`);
  }
  return value;
}

async function makeSigner(key) {
  requireObject(key, 'key');
  const publicKeyMultibase = key.publicKeyMultibase;
  const secretKeyMultibase = key.secretKeyMultibase ?? key.privateKeyMultibase;
  if(typeof publicKeyMultibase !== 'string' ||
    typeof secretKeyMultibase !== 'string') {
    throw new TypeError(
      '"key" needs "publicKeyMultibase" and "secretKeyMultibase"');
  }
  const controller = key.controller ?? `did:key:${publicKeyMultibase}`;
  const id = key.id ?? (controller.startsWith('did:key:') ?
    `${controller}#${publicKeyMultibase}` : undefined);
  if(!id) {
    throw new TypeError('"key.id" (the verification method id) is required');
  }
  const keyPair = await Ed25519Multikey.from({
    type: 'Multikey', id, controller, publicKeyMultibase, secretKeyMultibase,
  });
  return keyPair.signer();
}

const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

async function signOnce({credential, signer, created, documentLoader}) {
  const suite = new DataIntegrityProof({
    signer, date: created, cryptosuite: eddsaRdfc2022CryptoSuite,
  });
  const copy = structuredClone(credential);
  // vc.issue() fills a missing VCDM 1.1 `issuanceDate` from the wall clock;
  // take it from `created` instead so that the output is deterministic.
  const ctx = copy['@context'];
  if(created !== undefined && copy.issuanceDate === undefined &&
    (ctx === VC_V1_CONTEXT || (Array.isArray(ctx) && ctx[0] === VC_V1_CONTEXT))) {
    const d = new Date(created).toISOString();
    copy.issuanceDate = `${d.slice(0, d.length - 5)}Z`;
  }
  return vc.issue({
    credential: copy,
    suite,
    documentLoader,
    now: created,
  });
}

function errorMessages(error, out = [], seen = new Set()) {
  if(!error || seen.has(error)) {
    return out;
  }
  seen.add(error);
  const nested = Array.isArray(error.errors) ? error.errors : [];
  const message = typeof error === 'string' ? error :
    (error.message || String(error));
  // VerificationError is only a wrapper: report what it wraps
  if(!(error.name === 'VerificationError' && nested.length > 0)) {
    const event = error.details && error.details.event;
    if(event && typeof event === 'object') {
      // jsonld.js safe mode: say which term/value was about to be dropped
      let details = '';
      try {
        details = JSON.stringify(event.details ?? {});
      } catch{
        details = '';
      }
      out.push(`${message} (${event.code}: ${event.message} ${details})`);
    } else {
      out.push(message);
    }
  }
  for(const e of nested) {
    errorMessages(e, out, seen);
  }
  if(error.cause) {
    errorMessages(error.cause, out, seen);
  }
  // jsonld.js errors keep the underlying error (e.g. the document loader's
  // "not served" message) in `details.cause`
  if(error.details && error.details.cause) {
    errorMessages(error.details.cause, out, seen);
  }
  return out;
}

function summarizeVerification(result) {
  const errors = [];
  errorMessages(result.error, errors);
  for(const r of result.results ?? []) {
    errorMessages(r.error, errors);
    if(r.purposeResult && !r.purposeResult.valid) {
      errorMessages(r.purposeResult.error, errors);
    }
  }
  if(result.statusResult && !result.statusResult.verified) {
    errorMessages(result.statusResult.error, errors);
  }
  const unique = [...new Set(errors)];
  if(!result.verified && unique.length === 0) {
    unique.push('verification failed (no error reported)');
  }
  const summary = {verified: result.verified === true, errors: unique};
  if(result.statusResult && Array.isArray(result.statusResult.results)) {
    summary.statuses = statusesOf(result.statusResult);
  }
  return summary;
}

// ---------------------------------------------------------------------------
// Bitstring Status List (@digitalbazaar/vc-bitstring-status-list)

// {"<list URL>": <status list credential>} from `statusLists` and/or a single
// `statusListCredential` (served for its `id`).
function statusListsOf(req) {
  const lists = {};
  if(req.statusLists !== undefined) {
    for(const [url, doc] of Object.entries(
      requireObject(req.statusLists, 'statusLists'))) {
      lists[url] = requireObject(doc, `statusLists["${url}"]`);
    }
  }
  if(req.statusListCredential !== undefined) {
    const doc = requireObject(req.statusListCredential, 'statusListCredential');
    if(typeof doc.id !== 'string') {
      throw new TypeError('"statusListCredential" needs its URL as "id"');
    }
    lists[doc.id] = doc;
  }
  return lists;
}

function statusesOf(statusResult) {
  return (statusResult.results ?? []).map(r => ({
    statusPurpose: r.credentialStatus?.statusPurpose,
    statusListIndex: r.credentialStatus?.statusListIndex,
    status: r.status,
  }));
}

// The library's checkStatus() says whether the lists could be read and
// verified (`verified`) and, per entry, the bit (`results[].status`); it does
// not itself fail a credential whose bit is set. A verifier does: this
// wrapper makes a set revocation/suspension bit fail the status check.
async function checkStatusStrictly(options) {
  const result = await bitstringCheckStatus({
    credential: options.credential,
    documentLoader: options.documentLoader,
    suite: options.suite,
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true,
  });
  if(!result.verified) {
    return result;
  }
  const set = (result.results ?? []).filter(r => r.status === true);
  if(set.length > 0) {
    const purposes = set.map(r => r.credentialStatus.statusPurpose);
    return {
      ...result,
      verified: false,
      error: new Error(`credential status is set: ${purposes.join(', ')}`),
    };
  }
  return result;
}

// Every suite the reference stack verifies with: eddsa-rdfc-2022 Data Integrity
// proofs and the legacy Ed25519Signature2020 that credentials in circulation carry.
function verificationSuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite}),
    new Ed25519Signature2020(),
  ];
}

async function verifyOnce({
  credential, documentLoader, now, checkIssuerController = true,
  skipStatusCheck = false, checkStatusLists = false,
}) {
  const options = {
    credential,
    suite: verificationSuites(),
    documentLoader,
    now: now === undefined ? undefined : new Date(now),
  };
  if(!checkIssuerController) {
    // vc's default CredentialIssuancePurpose also demands that `issuer` equal
    // the verification method's controller; a plain assertionMethod purpose
    // checks only that the controller authorizes the key for assertions.
    options.purpose = new jsigs.purposes.AssertionProofPurpose();
  }
  if(skipStatusCheck) {
    // vc refuses a credential with `credentialStatus` unless a checkStatus
    // function is given; this one accepts any status without looking.
    options.checkStatus = async () => ({verified: true});
  } else if(checkStatusLists) {
    options.checkStatus = checkStatusStrictly;
  }
  return vc.verifyCredential(options);
}

function booleanOption(req, name, fallback) {
  const value = req[name] ?? fallback;
  if(typeof value !== 'boolean') {
    throw new TypeError(`"${name}" must be a boolean`);
  }
  return value;
}

function verifyOptions(req) {
  return {
    now: parseDate(req.now, 'now'),
    checkIssuerController: booleanOption(req, 'checkIssuerController', true),
    skipStatusCheck: booleanOption(req, 'skipStatusCheck', false),
  };
}

async function opSign(req, contexts) {
  const credential = requireObject(req.credential, 'credential');
  const created = parseDate(req.created, 'created');
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments});
  const signer = await makeSigner(req.key);
  return signOnce({credential, signer, created, documentLoader});
}

// Sign a Verifiable Presentation as a holder's wallet does: an eddsa-rdfc-2022
// DataIntegrityProof for `authentication`, bound to the verifier's challenge
// and domain when given.
async function opSignPresentation(req, contexts) {
  const presentation = requireObject(req.presentation, 'presentation');
  const created = parseDate(req.created, 'created');
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments});
  const signer = await makeSigner(req.key);
  const suite = new DataIntegrityProof({
    signer, date: created, cryptosuite: eddsaRdfc2022CryptoSuite,
  });
  return vc.signPresentation({
    presentation: structuredClone(presentation),
    suite,
    documentLoader,
    challenge: req.challenge,
    domain: req.domain,
  });
}

// Verify a presentation (its proof, and every credential in it) with the
// reference stack; `unsignedPresentation` accepts one without a proof.
async function opVerifyPresentation(req, contexts) {
  const presentation = requireObject(req.presentation, 'presentation');
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments, documents: statusListsOf(req)});
  const result = await vc.verify({
    presentation,
    suite: verificationSuites(),
    documentLoader,
    challenge: req.challenge,
    domain: req.domain,
    unsignedPresentation: booleanOption(req, 'unsignedPresentation', false),
    now: req.now === undefined ? undefined : new Date(parseDate(req.now, 'now')),
  });
  const errors = [];
  errorMessages(result.error, errors);
  errorMessages(result.presentationResult?.error, errors);
  for(const r of result.credentialResults ?? []) {
    errorMessages(r.error, errors);
  }
  return {
    verified: result.verified === true,
    presentationVerified: result.presentationResult ?
      result.presentationResult.verified === true : null,
    credentialsVerified: (result.credentialResults ?? []).map(
      r => r.verified === true),
    errors: [...new Set(errors)],
  };
}

async function opVerify(req, contexts) {
  const credential = requireObject(req.credential, 'credential');
  const options = verifyOptions(req);
  const documents = statusListsOf(req);
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments, documents});
  const result = await verifyOnce({
    credential, documentLoader, ...options,
    checkStatusLists: Object.keys(documents).length > 0,
  });
  return summarizeVerification(result);
}

async function opStatusCheck(req, contexts) {
  const credential = requireObject(req.credential, 'credential');
  const options = verifyOptions(req);
  const documents = statusListsOf(req);
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments, documents});
  const raw = await bitstringCheckStatus({
    credential, documentLoader, suite: verificationSuites(),
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true,
  });
  const errors = [...new Set(errorMessages(raw.error))];
  const verification = await verifyOnce({
    credential, documentLoader, ...options, skipStatusCheck: false,
    checkStatusLists: true,
  });
  return {
    checkStatus: {
      verified: raw.verified === true,
      statuses: raw.verified ? statusesOf(raw) : [],
      errors,
    },
    verify: summarizeVerification(verification),
  };
}

// Encode a list with the library ({length, set}) or decode one ({encodedList}).
async function opStatusList(req) {
  if(req.encodedList !== undefined) {
    if(typeof req.encodedList !== 'string') {
      throw new TypeError('"encodedList" must be a string');
    }
    const list = await BitstringStatusList.decode({encodedList: req.encodedList});
    const set = [];
    for(let i = 0; i < list.length; ++i) {
      if(list.getStatus(i)) {
        set.push(i);
      }
    }
    return {length: list.length, set};
  }
  const {length, set = []} = req;
  if(!(Number.isInteger(length) && length > 0 && length % 8 === 0)) {
    throw new TypeError('"length" must be a positive multiple of 8');
  }
  if(!Array.isArray(set)) {
    throw new TypeError('"set" must be an array of indices');
  }
  const list = new BitstringStatusList({length});
  for(const index of set) {
    list.setStatus(index, true);
  }
  return {encodedList: await list.encode()};
}

async function opCanonize(req, contexts) {
  const document = requireObject(req.document, 'document');
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments});
  return jsonld.canonize(document, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    documentLoader,
    safe: true,
    base: null,
    rdfDirection: 'i18n-datatype',
  });
}

async function opBench(req, contexts) {
  const what = req.what;
  const seconds = req.seconds === undefined ? 3 : Number(req.seconds);
  if(!(seconds > 0 && seconds <= 300)) {
    throw new TypeError('"seconds" must be a number in (0, 300]');
  }
  const warmup = req.warmup === undefined ? 20 : Number(req.warmup);
  if(!(Number.isInteger(warmup) && warmup >= 0)) {
    throw new TypeError('"warmup" must be a non-negative integer');
  }
  const credential = requireObject(req.credential, 'credential');
  const documentLoader = makeDocumentLoader(
    {contexts, didDocuments: req.didDocuments});
  let once;
  if(what === 'sign') {
    const signer = await makeSigner(req.key);
    const created = parseDate(req.created, 'created');
    once = () => signOnce({credential, signer, created, documentLoader});
  } else if(what === 'verify') {
    const options = verifyOptions(req);
    once = async () => {
      const result = await verifyOnce({credential, documentLoader, ...options});
      if(!result.verified) {
        throw new Error('bench verify: credential does not verify: ' +
          summarizeVerification(result).errors.join('; '));
      }
    };
  } else {
    throw new TypeError('"what" must be "sign" or "verify"');
  }
  for(let i = 0; i < warmup; ++i) {
    await once();
  }
  const budgetMs = seconds * 1000;
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await once();
    ++ops;
    elapsed = performance.now() - start;
  } while(elapsed < budgetMs);
  const s = elapsed / 1000;
  return {ops, seconds: s, opsPerSecond: ops / s};
}

const OPS = {
  sign: opSign,
  verify: opVerify,
  statusCheck: opStatusCheck,
  signPresentation: opSignPresentation,
  verifyPresentation: opVerifyPresentation,
  statusList: opStatusList,
  canonize: opCanonize,
  bench: opBench,
  ping: async () => ({
    node: process.version,
    pid: process.pid,
  }),
  contexts: async (_req, contexts) => Object.fromEntries(
    [...contexts].map(([url, {source}]) => [url, source])),
};

// ---------------------------------------------------------------------------
// main loop

function send(obj) {
  let line;
  try {
    line = JSON.stringify(obj);
  } catch(e) {
    line = JSON.stringify({ok: false, error: `cannot serialize: ${e.message}`});
  }
  process.stdout.write(line + '\n');
}

async function handle(line, contexts) {
  let req;
  try {
    req = JSON.parse(line);
  } catch(e) {
    return {ok: false, error: `invalid JSON request: ${e.message}`};
  }
  try {
    requireObject(req, 'request');
    const op = OPS[req.op];
    if(!op || !Object.hasOwn(OPS, req.op)) {
      throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    }
    return {ok: true, result: await op(req, contexts)};
  } catch(e) {
    const messages = errorMessages(e);
    return {ok: false, error: messages.length ? messages.join('; ') : String(e)};
  }
}

function main() {
  let contexts;
  try {
    const {dirs} = parseArgs(process.argv.slice(2));
    contexts = loadContextDirs(dirs);
  } catch(e) {
    console.error(`harness: ${e.message}`);
    process.exit(2);
  }
  process.on('unhandledRejection', e => {
    console.error('harness: unhandled rejection', e);
  });
  const rl = createInterface({input: process.stdin, crlfDelay: Infinity});
  // requests are handled strictly one after another, so responses keep order
  let chain = Promise.resolve();
  rl.on('line', line => {
    if(line.trim() === '') {
      return;
    }
    chain = chain.then(() => handle(line, contexts)).then(send, e => send(
      {ok: false, error: `internal error: ${e?.message ?? e}`}));
  });
  // on end of input, the process exits by itself once the pending requests
  // are answered (no process.exit(): it could cut off buffered stdout)
  rl.on('close', () => {
    chain.then(() => process.stdin.destroy());
  });
}

main();
