#!/usr/bin/env bash
# Deploys REF to ENVIRONMENT (written by the delivery_flow test, as a team
# fills in the stub `trunkline init` writes): builds the shop service from
# this checkout, stops the running one and starts the new one on its port,
# then waits until it answers /health.
#   deploy/deploy.sh staging <commit sha>
#   deploy/deploy.sh production <tag>
set -euo pipefail

environment="${1:?usage: deploy/deploy.sh ENVIRONMENT REF}"
ref="${2:?usage: deploy/deploy.sh ENVIRONMENT REF}"
case "$environment" in
  staging) port=@STAGING_PORT@ ;;
  production) port=@PRODUCTION_PORT@ ;;
  *)
    echo "deploy/deploy.sh: unknown environment '$environment' (staging or production)" >&2
    exit 2
    ;;
esac
home="@SERVICES@/$environment"
mkdir -p "$home"
go build -o "$home/shop.next" ./cmd/shop
if [ -f "$home/pid" ]; then
  old="$(cat "$home/pid")"
  kill "$old" 2> /dev/null || true
  while kill -0 "$old" 2> /dev/null; do sleep 0.05; done
fi
mv -f "$home/shop.next" "$home/shop"
setsid "$home/shop" -addr "127.0.0.1:${port}" -version "$ref" >> "$home/log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$home/pid"
for _ in $(seq 200); do
  if curl -fsS "http://127.0.0.1:${port}/health" > /dev/null 2>&1; then
    echo "deployed ${ref} to ${environment}"
    exit 0
  fi
  if ! kill -0 "$pid" 2> /dev/null; then
    echo "::error title=deploy/deploy.sh::${ref} did not start on ${environment}: $(tail -n 1 "$home/log")"
    exit 1
  fi
  sleep 0.05
done
echo "::error title=deploy/deploy.sh::${ref} did not answer /health on ${environment} within 10s"
exit 1
