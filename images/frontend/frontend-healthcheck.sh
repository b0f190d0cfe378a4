#!/usr/bin/env bash
# Healthy when nginx serves the page: an HTTP request over bash's /dev/tcp,
# since the image carries no HTTP client.
set -euo pipefail
exec 3<>/dev/tcp/127.0.0.1/8080
printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r status_line <&3
[[ "$status_line" == *" 200 "* ]]
