#!/usr/bin/env bash
# The README tour as one script, top to bottom, against a development server (`npm run dev`):
# register → confirm the email through the dev outbox → login → me → refresh → TOTP enrolment
# (the code computed from the secret) → login again with the MFA step → an organization, a
# second verified user invited and accepted → a webhook endpoint receiving `user.created` (an
# admin from `npm run admin -- grant`, a receiver on loopback, the signature verified with
# standardwebhooks) → a password reset link → logout. Every call prints its status and answer;
# the script stops at the first status that is not the one the tour expects.
#
#   scripts/tour.sh [BASE_URL]          BASE_URL defaults to http://localhost:8787
#
# Needs curl and node (for JSON, the TOTP code, the receiver), and this checkout's node_modules
# (npm run admin, standardwebhooks). EDGE_AUTH_PERSIST_TO: the --persist-to folder the server
# was started with, if any (the admin grant writes its local D1). Fresh addresses on each run.
set -euo pipefail

BASE=${1:-${EDGE_AUTH_URL:-http://localhost:8787}}
BASE=${BASE%/}
RUN=$(node -p 'Date.now().toString(36) + Math.random().toString(36).slice(2, 6)')
ADA="ada-$RUN@example.com"
GRACE="grace-$RUN@example.com"
PASSWORD='Vermilion-Otter-42'
JSON=(-H 'content-type: application/json')

step() { printf '\n== %s\n' "$*"; }

# call "EXPECTED STATUSES" METHOD PATH [curl args…]: sets BODY and STATUS, prints both, and
# stops the tour unless STATUS is one of the expected ones.
call() {
  local expected=$1 method=$2 path=$3 out
  shift 3
  out=$(curl -sS -X "$method" "$BASE$path" -w '\n%{http_code}' "$@")
  BODY=${out%$'\n'*}
  STATUS=${out##*$'\n'}
  printf '%s %s -> %s %s\n' "$method" "$path" "$STATUS" "${BODY:0:240}"
  if [[ " $expected " != *" $STATUS "* ]]; then
    echo "tour: expected $expected from $method $path" >&2
    exit 1
  fi
}

# json FIELD: a field of the last answer (a.b for nested ones); fails if it is missing.
json() {
  node -e '
    let v = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const k of process.argv[1].split(".")) v = v?.[k];
    if (v === undefined) process.exit(1);
    console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1" <<<"$BODY"
}

# mail_link TO PATH: the link to PATH (e.g. /verify-email) in the newest email to TO in the
# development outbox (GET /dev/outbox). Emails go out just after the answer: waits up to 5 s.
mail_link() {
  local to=$1 path=$2 link
  for _ in $(seq 50); do
    link=$(curl -sS "$BASE/dev/outbox?to=$to" | node -e '
      const { items } = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const esc = process.argv[1].replace(/[.?*+^$()[\]{}|\\/]/g, "\\$&");
      for (const m of items) {
        const found = new RegExp(`https?://\\S+${esc}\\?token=[\\w-]+`).exec(m.body ?? "");
        if (found) { console.log(found[0]); break; }
      }' "$path")
    if [[ -n $link ]]; then
      echo "$link"
      return
    fi
    sleep 0.1
  done
  echo "tour: no email to $to with a $path link" >&2
  return 1
}

# open_link LINK: an emailed link must open a hosted page of this server (200, HTML).
open_link() {
  if [[ $1 != "$BASE/"* ]]; then
    echo "tour: the emailed link $1 does not point at $BASE (APP_URL)" >&2
    exit 1
  fi
  call 200 GET "${1#"$BASE"}"
}

# totp SECRET [STEPS]: the RFC 6238 code (SHA-1, 6 digits, 30 s) of now + STEPS time steps, as
# an authenticator app computes it from the base32 secret.
totp() {
  node -e '
    const [secret, ahead = "0"] = process.argv.slice(1);
    const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const bits = [...secret.replace(/=+$/, "").toUpperCase()]
      .map((c) => A.indexOf(c).toString(2).padStart(5, "0")).join("");
    const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + Number(ahead)));
    const h = require("crypto").createHmac("sha1", key).update(counter).digest();
    const code = (h.readUInt32BE(h[19] & 15) & 0x7fffffff) % 1e6;
    console.log(String(code).padStart(6, "0"));' "$@"
}

# register_verified EMAIL: registers, then confirms the address with the emailed link.
register_verified() {
  call 201 POST /auth/register "${JSON[@]}" -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}"
  local link
  link=$(mail_link "$1" /verify-email)
  open_link "$link" # the hosted page; its button posts the token, as below
  call 200 POST /auth/verify-email "${JSON[@]}" -d "{\"token\":\"${link##*token=}\"}"
}

step "Register Ada and confirm her address (dev outbox)"
register_verified "$ADA"

step "Log in, verify the access token, read /auth/me"
call 200 POST /auth/login "${JSON[@]}" -d "{\"email\":\"$ADA\",\"password\":\"$PASSWORD\"}"
ACCESS=$(json access_token)
REFRESH=$(json refresh_token)
call 200 GET /auth/verify -H "authorization: Bearer $ACCESS"
call 200 GET /auth/me -H "authorization: Bearer $ACCESS"

step "Refresh: a new pair; the old refresh token is spent"
call 200 POST /auth/refresh "${JSON[@]}" -d "{\"refresh_token\":\"$REFRESH\"}"
ACCESS=$(json access_token)

step "MFA: enrol TOTP (the code an authenticator app shows), then log in with the second step"
call 201 POST /mfa/setup -H "authorization: Bearer $ACCESS" "${JSON[@]}" -d '{"type":"totp"}'
METHOD=$(json method_id)
SECRET=$(json secret)
call 200 POST /mfa/verify -H "authorization: Bearer $ACCESS" "${JSON[@]}" \
  -d "{\"method_id\":\"$METHOD\",\"code\":\"$(totp "$SECRET")\"}"
call 200 POST /auth/login "${JSON[@]}" -d "{\"email\":\"$ADA\",\"password\":\"$PASSWORD\"}"
MFA_TOKEN=$(json mfa_token)
# A code is good once: the next time step's (accepted within the ±1 step window), not the
# enrolment's again.
call 200 POST /mfa/verify "${JSON[@]}" \
  -d "{\"mfa_token\":\"$MFA_TOKEN\",\"code\":\"$(totp "$SECRET" 1)\"}"
ACCESS=$(json access_token)
call 200 GET /auth/verify -H "authorization: Bearer $ACCESS"

step "Organizations: Ada creates one and invites Grace (registered and verified)"
register_verified "$GRACE"
call 200 POST /auth/login "${JSON[@]}" -d "{\"email\":\"$GRACE\",\"password\":\"$PASSWORD\"}"
GRACE_ACCESS=$(json access_token)
call 201 POST /organizations -H "authorization: Bearer $ACCESS" "${JSON[@]}" \
  -d '{"name":"Acme Analytics"}'
ORG=$(json id)
call "201 202" POST "/organizations/$ORG/users" -H "authorization: Bearer $ACCESS" "${JSON[@]}" \
  -d "{\"email\":\"$GRACE\",\"role\":\"member\"}"
if [[ $STATUS == 202 ]]; then
  # An invitation: Grace opens the emailed link (a hosted page) or accepts through the API.
  LINK=$(mail_link "$GRACE" /accept-invitation)
  open_link "$LINK"
  call 200 POST "/organizations/invitations/${LINK##*token=}/accept" \
    -H "authorization: Bearer $GRACE_ACCESS"
fi
call 200 GET /organizations -H "authorization: Bearer $GRACE_ACCESS"
node -e 'const b = JSON.parse(process.argv[1]);
  if (!b.items.some((o) => o.id === process.argv[2])) { console.error("tour: Grace is not a member"); process.exit(1); }' \
  "$BODY" "$ORG"
call 200 POST /auth/authorize -H "authorization: Bearer $ACCESS" "${JSON[@]}" \
  -d "{\"resource\":\"billing\",\"action\":\"read\",\"organization_id\":\"$ORG\"}"
[[ $(json allowed) == true ]] || { echo "tour: Ada may not read billing" >&2; exit 1; }
call 200 GET "/organizations/$ORG/dashboard" -H "authorization: Bearer $ACCESS"

step "An endpoint receiving user.created (docs/webhooks.md)"
# The operator's grant (local D1), redeemed by the address's owner: an administrator.
ROOT_EMAIL="root-$RUN@example.com"
REPO=$(cd "$(dirname "$0")/.." && pwd)
GRANT=$(cd "$REPO" && npm run -s admin -- grant "$ROOT_EMAIL" \
  ${EDGE_AUTH_PERSIST_TO:+--persist-to "$EDGE_AUTH_PERSIST_TO"})
GRANT_TOKEN=$(grep -o 'reset-password?token=[A-Za-z0-9_-]*' <<<"$GRANT" | head -1)
echo "npm run admin -- grant $ROOT_EMAIL -> a single-use link (its token redeemed below)"
# The grant wrote the server's database file from another process, and under load wrangler dev
# may drop a connection meanwhile: wait until it answers again. A connection dropped after the
# redemption is not fatal here: the login below shows whether the password was set.
for _ in $(seq 60); do curl -sf -o /dev/null "$BASE/health" && break; sleep 0.5; done
(call 200 POST /auth/reset-password "${JSON[@]}" \
  -d "{\"token\":\"${GRANT_TOKEN##*=}\",\"new_password\":\"$PASSWORD\"}") ||
  echo "tour: the redemption did not answer 200; the login decides"
call 200 POST /auth/login "${JSON[@]}" -d "{\"email\":\"$ROOT_EMAIL\",\"password\":\"$PASSWORD\"}"
ADMIN=$(json access_token)
# A receiver on a free loopback port (development allows http:// on loopback): it answers 204
# and appends each delivery, headers and body, as one JSON line to $HOOKS.
HOOKS=$(mktemp)
node -e '
  const fs = require("fs");
  const server = require("http").createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      fs.appendFileSync(process.argv[1], JSON.stringify({ headers: req.headers, body }) + "\n");
      res.writeHead(204).end();
    });
  });
  server.listen(0, "127.0.0.1", () => fs.writeFileSync(process.argv[1] + ".port", String(server.address().port)));
  setTimeout(() => process.exit(), 120000);' "$HOOKS" &
RECEIVER=$!
trap 'kill $RECEIVER 2>/dev/null; rm -f "$HOOKS" "$HOOKS.port"' EXIT
for _ in $(seq 50); do [[ -s $HOOKS.port ]] && break; sleep 0.1; done
call 201 POST /webhooks/endpoints -H "authorization: Bearer $ADMIN" "${JSON[@]}" \
  -d "{\"url\":\"http://127.0.0.1:$(cat "$HOOKS.port")/hooks\",\"event_types\":[\"user.created\"]}"
ENDPOINT=$(json endpoint_id)
WEBHOOK_SECRET=$(json secret)
call 201 POST /auth/register "${JSON[@]}" \
  -d "{\"email\":\"lin-$RUN@example.com\",\"password\":\"$PASSWORD\"}"
LIN=$(json user_id)
# Delivered through the queue (two hops, a second or two each): waits up to 20 s for it, then
# shows it and verifies its signature as a receiver does (docs/webhooks.md, "A receiver").
(cd "$REPO" && node -e '
  const fs = require("fs");
  const { Webhook } = require("standardwebhooks");
  const [file, userId, secret] = process.argv.slice(1);
  const deadline = Date.now() + 20000;
  (function poll() {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    const hit = lines.map((l) => JSON.parse(l)).find((d) => JSON.parse(d.body).data?.user_id === userId);
    if (!hit) {
      if (Date.now() > deadline) { console.error("tour: no user.created delivery for " + userId); process.exit(1); }
      return setTimeout(poll, 200);
    }
    for (const h of ["content-type", "webhook-id", "webhook-timestamp", "webhook-signature"])
      console.log(`${h}: ${hit.headers[h]}`);
    console.log(hit.body);
    const event = new Webhook(secret).verify(hit.body, hit.headers);
    console.log(`signature verified: ${event.type} for ${event.data.user_id}`);
  })();' "$HOOKS" "$LIN" "$WEBHOOK_SECRET")
call 204 DELETE "/webhooks/endpoints/$ENDPOINT" -H "authorization: Bearer $ADMIN"

step "Forgotten password: the same answer for any address; the emailed link opens the reset page"
call 202 POST /auth/forgot-password "${JSON[@]}" -d "{\"email\":\"$ADA\"}"
open_link "$(mail_link "$ADA" /reset-password)"

step "Log out: the session ends, its access token with it"
call 200 POST /auth/logout -H "authorization: Bearer $ACCESS"
call 401 GET /auth/verify -H "authorization: Bearer $ACCESS"

printf '\ntour: every step answered as expected\n'
