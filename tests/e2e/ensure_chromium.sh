#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright cannot download its own here).
# Install it when missing and allowed (root with apt); otherwise the e2e tests say so loudly.
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "WARNING: could not install chromium; browser tests will be skipped."
else
  echo "WARNING: chromium not found and cannot be installed; browser tests will be skipped."
fi
