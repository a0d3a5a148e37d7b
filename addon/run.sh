#!/usr/bin/with-contenv bashio
# shellcheck shell=bash
# with-contenv hands the Supervisor's environment (SUPERVISOR_TOKEN) to the bridge, which reads
# /data/options.json itself and asks the Supervisor for the MQTT broker.
# The bridge sets its memory settings itself (src/launcher.ts), as it does however it is started.
# The command's link in .bin/ names the bridge whatever the package's scope (project-home.yaml).
exec node /app/node_modules/.bin/alarm-mail-bridge
