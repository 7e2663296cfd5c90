#!/usr/bin/env bash
# Installs or updates the gateway on Debian/Ubuntu as a systemd service:
# Node.js 24 (when the machine has none, or one older than the oldest supported line, 22),
# production dependencies, a build, the lunarbit system user, /etc/lunarbit-api/env
# (with a generated admin key on first install), and the lunarbit-api unit. Run from the source
# directory as a user with sudo: ./deploy/deploy-debian.sh
set -euo pipefail

APP_DIR=/opt/lunarbit-api
ENV_DIR=/etc/lunarbit-api
SRC_DIR="$(cd "$(dirname "$0")/.." && pwd)"

NODE_MAJOR=24     # the recommended LTS line, installed from NodeSource
MIN_NODE_MAJOR=22 # the oldest supported LTS line

node_major() { node -p 'Number(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt "$MIN_NODE_MAJOR" ]; then
  echo "Installing Node.js $NODE_MAJOR..."
  curl -fsSL "https://deb.nodesource.com/setup_${NODE_MAJOR}.x" | sudo -E bash -
  sudo apt-get install -y nodejs
fi
if [ "$(node_major)" -lt "$MIN_NODE_MAJOR" ]; then
  echo "Node.js $(node --version 2>/dev/null || echo 'not found') is below $MIN_NODE_MAJOR, the oldest supported line; install Node.js $NODE_MAJOR and run again." >&2
  exit 1
elif [ "$(node_major)" -lt "$NODE_MAJOR" ]; then
  echo "Node.js $(node --version) is supported; $NODE_MAJOR is recommended."
fi
sudo apt-get install -y --no-install-recommends python3 make g++ rsync

if ! id lunarbit >/dev/null 2>&1; then
  sudo useradd --system --home-dir "$APP_DIR" --shell /usr/sbin/nologin lunarbit
fi

echo "Building..."
cd "$SRC_DIR"
npm ci --no-audit --no-fund
npm run build
sudo mkdir -p "$APP_DIR"
sudo rsync -a --delete package.json package-lock.json dist "$APP_DIR/"
cd "$APP_DIR"
sudo npm ci --omit=dev --no-audit --no-fund

sudo mkdir -p "$ENV_DIR"
if [ ! -f "$ENV_DIR/env" ]; then
  echo "Writing $ENV_DIR/env with a new admin key (shown once below)..."
  admin_key="$(openssl rand -hex 32)"
  printf 'PORT=3000\nAPI_KEY_ADMIN=%s\n# DATABASE_URL=postgres://...\n# REDIS_URL=redis://127.0.0.1:6379\n' "$admin_key" | sudo tee "$ENV_DIR/env" >/dev/null
  sudo chmod 600 "$ENV_DIR/env"
  echo "Admin key: $admin_key"
fi

sudo cp "$SRC_DIR/deploy/lunarbit-api.service" /etc/systemd/system/lunarbit-api.service
sudo systemctl daemon-reload
# Migrations run at every start of the service.
sudo systemctl enable --now lunarbit-api
sudo systemctl restart lunarbit-api
sleep 2
curl -fsS "http://127.0.0.1:$(sudo grep -oP '^PORT=\K\d+' "$ENV_DIR/env" || echo 3000)/health" && echo
echo "Deployed. Logs: sudo journalctl -u lunarbit-api -f"
