#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# with-contenv hands the Supervisor's environment (SUPERVISOR_TOKEN) to the bridge, which reads
# /data/options.json itself and asks the Supervisor for the MQTT broker.
# A small young generation: about 40 MB less memory at an alarm panel's mail rates, at no measured cost (bench/).
# The command's link in .bin/ names the bridge whatever the package's scope (project-home.yaml).
exec node --max-semi-space-size=2 /app/node_modules/.bin/alarm-mail-bridge
