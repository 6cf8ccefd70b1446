#!/usr/bin/env bash
# Make Fashion-MNIST available to `make demo`: nothing to do if visattn finds it; otherwise install
# Debian's dataset-fashion-mnist when apt-get is there, else leave it to visattn's own download.
set -euo pipefail
PY=${1:-python3}
if "$PY" -c "from visattn.data import fashion_mnist_path as f; print('Fashion-MNIST:', f(download=False))" 2>/dev/null; then exit 0; fi
if command -v apt-get >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo "sudo")
    echo "Fashion-MNIST not found: installing Debian's dataset-fashion-mnist"
    $SUDO apt-get install -y -q dataset-fashion-mnist || { $SUDO apt-get update -q && $SUDO apt-get install -y -q dataset-fashion-mnist; } \
        || echo "apt-get could not install dataset-fashion-mnist; visattn will try to download the data set"
else
    echo "Fashion-MNIST not found and no apt-get: visattn will try to download it"
fi
