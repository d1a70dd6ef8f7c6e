// SPDX-License-Identifier: MIT
// Drives tests/tools/fake_cognito.py with the official AWS SDK for
// JavaScript through every sign-in flow the daemon uses, the failure knobs
// and the SigV4-signed listings.  Run by tests/integration/cognito_fake.sh
// against the config that script writes; prints "ok - NAME" or
// "not ok - NAME" per check (diagnostics as "# ..."), then "done N".
//
// Environment: FAKE_URL (https://127.0.0.1:PORT), FAKE_CODES (the codes
// file), FAKE_CONTROL (the control socket), AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (the fake's key pair), NODE_EXTRA_CA_CERTS.
import {
  AdminGetUserCommand, AdminListGroupsForUserCommand, AssociateSoftwareTokenCommand,
  ChangePasswordCommand, CognitoIdentityProviderClient, GetUserCommand, InitiateAuthCommand,
  ListGroupsCommand, ListUsersCommand, ListUsersInGroupCommand, RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createHmac, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";

const URL_ = process.env.FAKE_URL;
const CODES = process.env.FAKE_CODES;
const CONTROL = process.env.FAKE_CONTROL;
const P1 = "eu-west-1_SdkPool1";
const P2 = "eu-west-1_SdkMfaOn2";
const PUB = "sdkpublic0001";
const SEC = "sdksecret0002";
const SECRET = "s3cr3t-for-sdk-tests-0123456789";
const ENA = "sdkenabled0003";
const NOUA = "sdknouserauth4";
const MFAON = "sdkmfaon0005";
const ALICE_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const region = P1.split("_")[0];
const cg = new CognitoIdentityProviderClient({ region, endpoint: URL_, maxAttempts: 1 });

// --- small helpers ---------------------------------------------------------------
let count = 0;
let failed = 0;
async function check(name, fn) {
  count++;
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}`);
    for (const l of String(e && e.stack ? `${e.name}: ${e.message}` : e).split("\n")) console.log(`# ${l}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }
function eq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`${msg}: got ${JSON.stringify(a)}, wanted ${JSON.stringify(b)}`);
  }
}
const send = (cmd, client = cg) => client.send(cmd);
async function fails(promise, name, re) {
  try {
    await promise;
  } catch (e) {
    if (e.name !== name) throw new Error(`wanted ${name}, got ${e.name}: ${e.message}`);
    if (re && !re.test(e.message)) throw new Error(`${name} message ${JSON.stringify(e.message)} !~ ${re}`);
    return e;
  }
  throw new Error(`wanted ${name}, the call succeeded`);
}
const hash = (user, cid = SEC, secret = SECRET) =>
  createHmac("sha256", secret).update(user + cid).digest("base64");
function initiate(user, extra = {}, cid = PUB) {
  return send(new InitiateAuthCommand({
    AuthFlow: "USER_AUTH", ClientId: cid, AuthParameters: { USERNAME: user, ...extra },
  }));
}
function respond(name, session, responses, cid = PUB) {
  return send(new RespondToAuthChallengeCommand({
    ClientId: cid, ChallengeName: name, Session: session, ChallengeResponses: responses,
  }));
}
function codeLines() {
  try { return readFileSync(CODES, "utf8").split("\n").filter(Boolean); } catch { return []; }
}
// The newest code for USER written after BEFORE lines were there.
function codeFor(user, before) {
  const lines = codeLines().slice(before).filter((l) => l.split(" ")[0] === user);
  assert(lines.length > 0, `a code for ${user} in the codes file`);
  return lines[lines.length - 1].split(" ")[2];
}
function totp(b32, t = Date.now() / 1000) {
  const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of b32.replace(/=+$/, "").toUpperCase()) bits += alpha.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const ctr = Buffer.alloc(8);
  ctr.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const mac = createHmac("sha1", key).update(ctr).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}
const wrongTotp = (b32) => {
  const near = new Set([-30, 0, 30].map((d) => totp(b32, Date.now() / 1000 + d)));
  for (let i = 0; ; i++) { const c = String(i).padStart(6, "0"); if (!near.has(c)) return c; }
};
function control(cmd) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(CONTROL);
    let buf = "";
    s.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) { s.end(); const r = JSON.parse(buf); r.ok ? resolve(r) : reject(new Error(r.error)); }
    });
    s.on("error", reject);
    s.write(JSON.stringify(cmd) + "\n");
  });
}
function getJson(path) {
  return new Promise((resolve, reject) => {
    https.get(URL_ + path, (res) => {
      let b = "";
      res.on("data", (d) => { b += d; });
      res.on("end", () => { try { resolve(JSON.parse(b)); } catch (e) { reject(e); } });
    }).on("error", reject);
  });
}
const part = (tok, i) => JSON.parse(Buffer.from(tok.split(".")[i], "base64url").toString());
function verifyJwt(tok, jwks) {
  const [h, p, s] = tok.split(".");
  const head = part(tok, 0);
  eq(head.alg, "RS256", "alg");
  const jwk = jwks.keys.find((k) => k.kid === head.kid);
  assert(jwk, `kid ${head.kid} in the JWKS`);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  assert(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url")), "RS256 signature verifies");
  return part(tok, 1);
}
function tokensOf(out) {
  assert(out.AuthenticationResult, `tokens (got ${JSON.stringify(out).slice(0, 200)})`);
  const r = out.AuthenticationResult;
  assert(r.IdToken && r.AccessToken && r.RefreshToken, "IdToken, AccessToken, RefreshToken");
  eq(r.TokenType, "Bearer", "TokenType");
  assert(!out.Session, "no Session with tokens");
  return r;
}
async function emailOtpLogin(user, cid = PUB) {
  const before = codeLines().length;
  const a = await initiate(user, { PREFERRED_CHALLENGE: "EMAIL_OTP" }, cid);
  eq(a.ChallengeName, "EMAIL_OTP", "challenge");
  return { a, code: codeFor(user, before) };
}

// --- the flows ---------------------------------------------------------------------
const jwks = await getJson(`/${P1}/.well-known/jwks.json`).catch((e) => ({ keys: [], error: e }));
let bobTokens;

await check("JWKS: two RS256 keys with different kids", async () => {
  eq(jwks.keys.length, 2, "keys");
  assert(jwks.keys[0].kid !== jwks.keys[1].kid, "kids differ");
  for (const k of jwks.keys) eq([k.kty, k.alg, k.use], ["RSA", "RS256", "sig"], "key fields");
});
await check("openid-configuration names the issuer and the JWKS", async () => {
  const d = await getJson(`/${P1}/.well-known/openid-configuration`);
  eq(d.issuer, `${URL_}/${P1}`, "issuer");
  assert(d.jwks_uri.endsWith(`/${P1}/.well-known/jwks.json`), "jwks_uri");
});

let bob;
await check("passwordless: InitiateAuth goes straight into EMAIL_OTP (masked destination)", async () => {
  const before = codeLines().length;
  bob = await initiate("bob");
  eq(bob.ChallengeName, "EMAIL_OTP", "ChallengeName");
  eq(bob.ChallengeParameters, { CODE_DELIVERY_DELIVERY_MEDIUM: "EMAIL", CODE_DELIVERY_DESTINATION: "b***@e***" }, "params");
  eq(bob.AvailableChallenges, ["EMAIL_OTP"], "AvailableChallenges");
  assert(/^AYAB/.test(bob.Session) && bob.Session.length >= 20, "Session AYAB..., >= 20 chars");
  bob.code = codeFor("bob", before);
  assert(/^\d{8}$/.test(bob.code), "an 8-digit code in the codes file");
  assert(codeLines().slice(before).some((l) => l === `bob bob@example.com ${bob.code}`), "line: user email code");
});
await check("passwordless: the emailed code gives tokens", async () => {
  bobTokens = tokensOf(await respond("EMAIL_OTP", bob.Session, { USERNAME: "bob", EMAIL_OTP_CODE: bob.code }));
  eq(bobTokens.ExpiresIn, 3600, "ExpiresIn");
});
await check("a used session is refused (single use)", async () => {
  await fails(respond("EMAIL_OTP", bob.Session, { USERNAME: "bob", EMAIL_OTP_CODE: bob.code }),
    "NotAuthorizedException", /^Invalid session for the user\.$/);
});
await check("ID token: RS256 signature verifies against the JWKS (node:crypto)", async () => {
  verifyJwt(bobTokens.IdToken, jwks);
});
await check("ID token claims (sub, aud, iss, token_use, cognito:username, email, groups, custom:uid)", async () => {
  const c = part(bobTokens.IdToken, 1);
  assert(/^[0-9a-f-]{36}$/.test(c.sub), "sub is a UUID");
  eq([c.aud, c.iss, c.token_use, c["cognito:username"]], [PUB, `${URL_}/${P1}`, "id", "bob"], "aud iss token_use username");
  eq([c.email, c.email_verified], ["bob@example.com", true], "email, email_verified (boolean)");
  eq(c["cognito:groups"], ["customers"], "cognito:groups array");
  eq(c["custom:uid"], "200002", "custom:uid");
  eq(c.tier, "gold", "the configured extra claim (pre-token hook)");
  for (const k of ["auth_time", "iat", "exp"]) assert(Number.isInteger(c[k]), `${k} is a number`);
  eq(c.exp - c.iat, 3600, "exp - iat");
});
await check("access token: the other kid, client_id, scope, username, no aud", async () => {
  const c = verifyJwt(bobTokens.AccessToken, jwks);
  assert(part(bobTokens.AccessToken, 0).kid !== part(bobTokens.IdToken, 0).kid, "kids differ");
  eq([c.client_id, c.token_use, c.username, c.scope], [PUB, "access", "bob", "aws.cognito.signin.user.admin"], "claims");
  assert(c.aud === undefined && c.email === undefined, "no aud, no email");
  assert(typeof c.jti === "string" && c.iss === `${URL_}/${P1}`, "jti, iss");
});
await check("GetUser with the access token", async () => {
  const u = await send(new GetUserCommand({ AccessToken: bobTokens.AccessToken }));
  eq(u.Username, "bob", "Username");
  assert(u.UserAttributes.some((a) => a.Name === "custom:uid" && a.Value === "200002"), "custom:uid attribute");
});

await check("PREFERRED_CHALLENGE=PASSWORD with PASSWORD inline: tokens in one call", async () => {
  const out = await initiate("ann", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Ann-pass-12" });
  tokensOf(out);
  eq(out.ChallengeParameters, {}, "ChallengeParameters {}");
});
let sel;
await check("no preference: SELECT_CHALLENGE with ChallengeParameters {} and AvailableChallenges", async () => {
  sel = await initiate("ann");
  eq(sel.ChallengeName, "SELECT_CHALLENGE", "ChallengeName");
  eq(sel.ChallengeParameters, {}, "ChallengeParameters");
  eq([...sel.AvailableChallenges].sort(), ["EMAIL_OTP", "PASSWORD"], "AvailableChallenges");
});
await check("SELECT_CHALLENGE, ANSWER=EMAIL_OTP (code instead): new session, code, tokens", async () => {
  const before = codeLines().length;
  const e = await respond("SELECT_CHALLENGE", sel.Session, { USERNAME: "ann", ANSWER: "EMAIL_OTP" });
  eq(e.ChallengeName, "EMAIL_OTP", "ChallengeName");
  assert(e.Session !== sel.Session, "a new session");
  eq(e.ChallengeParameters.CODE_DELIVERY_DESTINATION, "a***@e***", "destination");
  tokensOf(await respond("EMAIL_OTP", e.Session, { USERNAME: "ann", EMAIL_OTP_CODE: codeFor("ann", before) }));
});
await check("SELECT_CHALLENGE, ANSWER=PASSWORD with PASSWORD: tokens", async () => {
  const s = await initiate("ann");
  tokensOf(await respond("SELECT_CHALLENGE", s.Session, { USERNAME: "ann", ANSWER: "PASSWORD", PASSWORD: "Ann-pass-12" }));
});
await check("PREFERRED_CHALLENGE=EMAIL_OTP: the code is sent at once", async () => {
  const { a, code } = await emailOtpLogin("ann");
  tokensOf(await respond("EMAIL_OTP", a.Session, { USERNAME: "ann", EMAIL_OTP_CODE: code }));
});
await check("unavailable preference falls back to SELECT_CHALLENGE (alice has MFA: no EMAIL_OTP)", async () => {
  const a = await initiate("alice", { PREFERRED_CHALLENGE: "EMAIL_OTP" });
  eq([a.ChallengeName, a.AvailableChallenges], ["SELECT_CHALLENGE", ["PASSWORD"]], "fallback");
});
await check("email alias as USERNAME, canonical name in the answer", async () => {
  const before = codeLines().length;
  const a = await initiate("bob@example.com", { PREFERRED_CHALLENGE: "EMAIL_OTP" });
  tokensOf(await respond("EMAIL_OTP", a.Session, { USERNAME: "bob", EMAIL_OTP_CODE: codeFor("bob", before) }));
});

await check("password + SOFTWARE_TOKEN_MFA: wrong code CodeMismatchException, right code tokens", async () => {
  const a = await initiate("alice", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Alice-pass-1" });
  eq(a.ChallengeName, "SOFTWARE_TOKEN_MFA", "ChallengeName");
  await fails(respond("SOFTWARE_TOKEN_MFA", a.Session, { USERNAME: "alice", SOFTWARE_TOKEN_MFA_CODE: wrongTotp(ALICE_TOTP) }),
    "CodeMismatchException");
  const t = tokensOf(await respond("SOFTWARE_TOKEN_MFA", a.Session, { USERNAME: "alice", SOFTWARE_TOKEN_MFA_CODE: totp(ALICE_TOTP) }));
  eq(part(t.IdToken, 1)["cognito:groups"], ["staff", "ops"], "alice's groups");
});
await check("two MFA methods: SELECT_MFA_TYPE, then EMAIL_OTP as MFA", async () => {
  const a = await initiate("eve", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Eve-pass-123" });
  eq(a.ChallengeName, "SELECT_MFA_TYPE", "ChallengeName");
  eq(JSON.parse(a.ChallengeParameters.MFAS_CAN_CHOOSE).sort(), ["EMAIL_OTP", "SOFTWARE_TOKEN_MFA"], "MFAS_CAN_CHOOSE (JSON in a string)");
  const before = codeLines().length;
  const m = await respond("SELECT_MFA_TYPE", a.Session, { USERNAME: "eve", ANSWER: "EMAIL_OTP" });
  eq([m.ChallengeName, m.ChallengeParameters.CODE_DELIVERY_DELIVERY_MEDIUM], ["EMAIL_OTP", "EMAIL"], "email MFA");
  const user = m.ChallengeParameters.USER_ID_FOR_SRP || "eve";
  tokensOf(await respond("EMAIL_OTP", m.Session, { USERNAME: user, EMAIL_OTP_CODE: codeFor("eve", before) }));
});
await check("MFA ON, none set up: MFA_SETUP via AssociateSoftwareToken/VerifySoftwareToken", async () => {
  const a = await initiate("frank", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Frank-pass-1" }, MFAON);
  eq(a.ChallengeName, "MFA_SETUP", "ChallengeName");
  assert(JSON.parse(a.ChallengeParameters.MFAS_CAN_SETUP).includes("SOFTWARE_TOKEN_MFA"), "MFAS_CAN_SETUP");
  const as = await send(new AssociateSoftwareTokenCommand({ Session: a.Session }));
  assert(/^[A-Z2-7]{16,}$/.test(as.SecretCode) && as.Session && as.Session !== a.Session, "SecretCode and a new Session");
  await fails(send(new VerifySoftwareTokenCommand({ Session: as.Session, UserCode: wrongTotp(as.SecretCode) })),
    "EnableSoftwareTokenMFAException");
  const v = await send(new VerifySoftwareTokenCommand({ Session: as.Session, UserCode: totp(as.SecretCode), FriendlyDeviceName: "t" }));
  eq(v.Status, "SUCCESS", "Status");
  tokensOf(await respond("MFA_SETUP", v.Session, { USERNAME: "frank" }, MFAON));
  const again = await initiate("frank", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Frank-pass-1" }, MFAON);
  eq(again.ChallengeName, "SOFTWARE_TOKEN_MFA", "next sign-in asks for the enrolled TOTP");
  tokensOf(await respond("SOFTWARE_TOKEN_MFA", again.Session, { USERNAME: "frank", SOFTWARE_TOKEN_MFA_CODE: totp(as.SecretCode) }, MFAON));
});
await check("NEW_PASSWORD_REQUIRED: JSON-string attributes, policy, then tokens and the new password", async () => {
  const a = await initiate("carol", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Temporary-1" });
  eq(a.ChallengeName, "NEW_PASSWORD_REQUIRED", "ChallengeName");
  eq(JSON.parse(a.ChallengeParameters.requiredAttributes), [], "requiredAttributes");
  eq(JSON.parse(a.ChallengeParameters.userAttributes).email, "carol@example.com", "userAttributes");
  await fails(respond("NEW_PASSWORD_REQUIRED", a.Session, { USERNAME: "carol", NEW_PASSWORD: "short" }), "InvalidPasswordException");
  tokensOf(await respond("NEW_PASSWORD_REQUIRED", a.Session, { USERNAME: "carol", NEW_PASSWORD: "Carol-new-pass-1" }));
  tokensOf(await initiate("carol", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Carol-new-pass-1" }));
  await fails(initiate("carol", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Temporary-1" }), "NotAuthorizedException");
});
await check("ChangePassword with the access token (wrong previous, policy, success)", async () => {
  const t = tokensOf(await initiate("ann", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Ann-pass-12" }));
  await fails(send(new ChangePasswordCommand({ AccessToken: t.AccessToken, PreviousPassword: "nope-nope", ProposedPassword: "Ann-pass-34" })),
    "NotAuthorizedException", /Incorrect username or password/);
  await fails(send(new ChangePasswordCommand({ AccessToken: t.AccessToken, PreviousPassword: "Ann-pass-12", ProposedPassword: "short" })),
    "InvalidPasswordException");
  await send(new ChangePasswordCommand({ AccessToken: t.AccessToken, PreviousPassword: "Ann-pass-12", ProposedPassword: "Ann-pass-34" }));
  tokensOf(await initiate("ann", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Ann-pass-34" }));
  await fails(send(new ChangePasswordCommand({ AccessToken: "x.y.z", PreviousPassword: "a", ProposedPassword: "Ann-pass-56" })),
    "NotAuthorizedException");
});

await check("SECRET_HASH missing: NotAuthorizedException (configured with secret)", async () => {
  await fails(initiate("bob", {}, SEC), "NotAuthorizedException",
    new RegExp(`^Client ${SEC} is configured with secret but SECRET_HASH was not received$`));
});
await check("SECRET_HASH wrong: NotAuthorizedException (unable to verify)", async () => {
  await fails(initiate("bob", { SECRET_HASH: hash("bob", SEC, "other") }, SEC), "NotAuthorizedException",
    new RegExp(`^Unable to verify secret hash for client ${SEC}$`));
});
await check("SECRET_HASH right, and required in every challenge response", async () => {
  const before = codeLines().length;
  const a = await initiate("bob@example.com", { SECRET_HASH: hash("bob@example.com") }, SEC);
  eq(a.ChallengeName, "EMAIL_OTP", "ChallengeName");
  const code = codeFor("bob", before);
  await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "bob", EMAIL_OTP_CODE: code }, SEC),
    "NotAuthorizedException", /SECRET_HASH was not received/);
  await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "bob", EMAIL_OTP_CODE: code, SECRET_HASH: hash("bob@example.com") }, SEC),
    "NotAuthorizedException", /Unable to verify secret hash/);
  tokensOf(await respond("EMAIL_OTP", a.Session, { USERNAME: "bob", EMAIL_OTP_CODE: code, SECRET_HASH: hash("bob") }, SEC));
});

await check("wrong password: NotAuthorizedException Incorrect username or password.", async () => {
  await fails(initiate("ann", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "wrong-pass" }),
    "NotAuthorizedException", /^Incorrect username or password\.$/);
});
await check("five wrong passwords: then Password attempts exceeded (even the right one)", async () => {
  for (let i = 0; i < 5; i++) {
    await fails(initiate("lock", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: `wrong-${i}-x` }), "NotAuthorizedException", /^Incorrect/);
  }
  await fails(initiate("lock", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Lock-pass-1" }),
    "NotAuthorizedException", /^Password attempts exceeded$/);
});
await check("disabled user: NotAuthorizedException User is disabled.", async () => {
  await fails(initiate("dave", { PREFERRED_CHALLENGE: "PASSWORD", PASSWORD: "Dave-pass-1" }),
    "NotAuthorizedException", /^User is disabled\.$/);
});
await check("wrong EMAIL_OTP code: CodeMismatchException x3, then the session is gone", async () => {
  const { a, code } = await emailOtpLogin("ann");
  const bad = code === "00000000" ? "11111111" : "00000000";
  for (let i = 0; i < 3; i++) {
    await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "ann", EMAIL_OTP_CODE: bad }), "CodeMismatchException");
  }
  await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "ann", EMAIL_OTP_CODE: code }),
    "NotAuthorizedException", /^Invalid session for the user\.$/);
});
await check("expired session (clock knob +181 s): Invalid session for the user, session is expired.", async () => {
  const { a, code } = await emailOtpLogin("ann");
  await control({ advance_clock: 181 });
  try {
    await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "ann", EMAIL_OTP_CODE: code }),
      "NotAuthorizedException", /^Invalid session for the user, session is expired\.$/);
  } finally { await control({ clock_offset: 0 }); }
});
await check("unknown user, PreventUserExistenceErrors LEGACY: UserNotFoundException", async () => {
  await fails(initiate("nobody-here"), "UserNotFoundException");
});
await check("unknown user, ENABLED: simulated EMAIL_OTP (no mail), every answer NotAuthorized", async () => {
  await control({ simulate: "EMAIL_OTP" });
  try {
    const before = codeLines().length;
    const a = await initiate("ghost@example.com", {}, ENA);
    eq([a.ChallengeName, a.ChallengeParameters.CODE_DELIVERY_DESTINATION], ["EMAIL_OTP", "g***@e***"], "simulated challenge");
    eq(codeLines().length, before, "no code delivered");
    await fails(respond("EMAIL_OTP", a.Session, { USERNAME: "ghost@example.com", EMAIL_OTP_CODE: "12345678" }, ENA),
      "NotAuthorizedException");
  } finally { await control({ simulate: null }); }
});
await check("unknown user, ENABLED: simulated SELECT_CHALLENGE, PASSWORD answer NotAuthorized", async () => {
  await control({ simulate: "SELECT_CHALLENGE" });
  try {
    const a = await initiate("ghost2", {}, ENA);
    eq(a.ChallengeName, "SELECT_CHALLENGE", "simulated challenge");
    await fails(respond("SELECT_CHALLENGE", a.Session, { USERNAME: "ghost2", ANSWER: "PASSWORD", PASSWORD: "Whatever-1" }, ENA),
      "NotAuthorizedException", /^Incorrect username or password\.$/);
  } finally { await control({ simulate: null }); }
});
await check("unknown user, ENABLED, random choice: a challenge, never an error", async () => {
  for (let i = 0; i < 4; i++) {
    const a = await initiate(`ghost-r${i}`, {}, ENA);
    assert(["EMAIL_OTP", "SELECT_CHALLENGE"].includes(a.ChallengeName), `challenge ${a.ChallengeName}`);
  }
});
await check("client without ALLOW_USER_AUTH, and other flows: InvalidParameterException", async () => {
  await fails(initiate("ann", {}, NOUA), "InvalidParameterException");
  await fails(send(new InitiateAuthCommand({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: PUB, AuthParameters: { USERNAME: "ann", PASSWORD: "x" } })),
    "InvalidParameterException");
});
await check("unknown client: ResourceNotFoundException", async () => {
  await fails(initiate("ann", {}, "nosuchclient"), "ResourceNotFoundException");
});

// --- knobs -----------------------------------------------------------------------
await check("knob fail_next 429: the SDK sees TooManyRequestsException (HTTP 429), then normal", async () => {
  await control({ fail_next: { count: 1, status: 429, type: "TooManyRequestsException", message: "Rate exceeded" } });
  const e = await fails(initiate("bob"), "TooManyRequestsException", /Rate exceeded/);
  eq(e.$metadata.httpStatusCode, 429, "status");
  eq((await initiate("bob")).ChallengeName, "EMAIL_OTP", "next request normal");
});
await check("knob fail_next 500: InternalErrorException", async () => {
  await control({ fail_next: { count: 1, status: 500, type: "InternalErrorException" } });
  const e = await fails(initiate("bob"), "InternalErrorException");
  eq(e.$metadata.httpStatusCode, 500, "status");
});
await check("knob throttle_after 2: past 2 requests in a second, TooManyRequestsException", async () => {
  await control({ throttle_after: 2 });
  try {
    // 6 at once: 4 refused, or 2-4 if a second boundary falls among them
    const r = await Promise.allSettled([1, 2, 3, 4, 5, 6].map(() => initiate("bob")));
    const t = r.filter((x) => x.status === "rejected" && x.reason.name === "TooManyRequestsException").length;
    const other = r.filter((x) => x.status === "rejected" && x.reason.name !== "TooManyRequestsException");
    eq(other.map((x) => x.reason.name), [], "no other errors");
    assert(t >= 2 && t <= 4, `2-4 of 6 throttled (got ${t})`);
  } finally { await control({ throttle_after: null }); }
});
await check("knob latency_ms 300: the answer takes at least 300 ms", async () => {
  await control({ latency_ms: { InitiateAuth: 300 } });
  try {
    const t0 = Date.now();
    await initiate("bob");
    assert(Date.now() - t0 >= 290, `took ${Date.now() - t0} ms`);
  } finally { await control({ latency_ms: 0 }); }
});
await check("knob drop_next: the connection closes without an answer (not a service error)", async () => {
  await control({ drop_next: 1 });
  let err;
  try { await initiate("bob"); } catch (e) { err = e; }
  assert(err && err.$metadata?.httpStatusCode === undefined, `a transport error (got ${err && err.name})`);
  eq((await initiate("bob")).ChallengeName, "EMAIL_OTP", "next request normal");
});

// --- SigV4-signed listings ------------------------------------------------------------
await check("ListUsers (signed): Limit 60, PaginationToken, every user once", async () => {
  const seen = [];
  let tok;
  let pages = 0;
  do {
    const out = await send(new ListUsersCommand({ UserPoolId: P1, Limit: 60, PaginationToken: tok }));
    pages++;
    assert(out.Users.length <= 60, "at most 60");
    for (const u of out.Users) seen.push(u.Username);
    tok = out.PaginationToken;
  } while (tok && pages < 10);
  eq(pages, 2, "pages");
  eq(seen.length, 72, "users");
  eq(new Set(seen).size, 72, "no duplicates");
});
await check("ListUsers Filter: username ^= \"bulk\", email = \"ann@example.com\", status", async () => {
  const a = await send(new ListUsersCommand({ UserPoolId: P1, Filter: 'username ^= "bulk"' }));
  eq(a.Users.length, 60, "first page of bulk users");
  assert(a.PaginationToken, "more bulk users");
  const b = await send(new ListUsersCommand({ UserPoolId: P1, Filter: 'email = "ann@example.com"' }));
  eq(b.Users.map((u) => u.Username), ["ann"], "by email");
  assert(b.Users[0].UserCreateDate instanceof Date && b.Users[0].Enabled === true, "UserCreateDate (epoch number), Enabled");
  const c = await send(new ListUsersCommand({ UserPoolId: P1, Filter: 'status = "Disabled"' }));
  eq(c.Users.map((u) => u.Username), ["dave"], "disabled users");
  await fails(send(new ListUsersCommand({ UserPoolId: P1, Limit: 61 })), "InvalidParameterException");
});
await check("signed call with a wrong secret: InvalidSignatureException", async () => {
  const bad = new CognitoIdentityProviderClient({ region, endpoint: URL_, maxAttempts: 1,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: "wrong-secret" } });
  await fails(send(new ListUsersCommand({ UserPoolId: P1 }), bad), "InvalidSignatureException");
});
await check("signed call with an unknown key id: UnrecognizedClientException", async () => {
  const bad = new CognitoIdentityProviderClient({ region, endpoint: URL_, maxAttempts: 1,
    credentials: { accessKeyId: "AKIDUNKNOWN000000000", secretAccessKey: "x" } });
  await fails(send(new ListUsersCommand({ UserPoolId: P1 }), bad), "UnrecognizedClientException");
});
await check("AdminGetUser: attributes, status, MFA settings", async () => {
  const u = await send(new AdminGetUserCommand({ UserPoolId: P1, Username: "alice" }));
  eq([u.Username, u.UserStatus, u.Enabled], ["alice", "CONFIRMED", true], "user");
  assert(u.UserAttributes.some((a) => a.Name === "custom:uid" && a.Value === "200001"), "custom:uid");
  eq(u.UserMFASettingList, ["SOFTWARE_TOKEN_MFA"], "UserMFASettingList");
  await fails(send(new AdminGetUserCommand({ UserPoolId: P1, Username: "nobody" })), "UserNotFoundException");
});
await check("ListGroups with NextToken", async () => {
  const a = await send(new ListGroupsCommand({ UserPoolId: P1, Limit: 2 }));
  eq(a.Groups.length, 2, "first page");
  assert(a.NextToken, "NextToken");
  const b = await send(new ListGroupsCommand({ UserPoolId: P1, Limit: 2, NextToken: a.NextToken }));
  eq([...a.Groups, ...b.Groups].map((g) => g.GroupName).sort(), ["customers", "ops", "staff"], "all groups");
  assert(!b.NextToken, "no more");
});
await check("ListUsersInGroup with NextToken", async () => {
  const names = [];
  let tok;
  do {
    const out = await send(new ListUsersInGroupCommand({ UserPoolId: P1, GroupName: "customers", Limit: 25, NextToken: tok }));
    names.push(...out.Users.map((u) => u.Username));
    tok = out.NextToken;
  } while (tok);
  eq(names.length, 31, "bob and 30 bulk users");
  assert(names.includes("bob"), "bob");
});
await check("AdminListGroupsForUser", async () => {
  const out = await send(new AdminListGroupsForUserCommand({ UserPoolId: P1, Username: "alice" }));
  eq(out.Groups.map((g) => g.GroupName), ["staff", "ops"], "alice's groups");
  eq(out.Groups[0].Precedence, 1, "Precedence");
});
await check("unsigned operations ignore credentials; signed ones on an unknown pool: ResourceNotFoundException", async () => {
  await fails(send(new ListUsersCommand({ UserPoolId: "eu-west-1_NoSuchPool" })), "ResourceNotFoundException");
});

console.log(`done ${count} failed ${failed}`);
process.exitCode = failed ? 1 : 0;
