#!/usr/bin/with-contenv bashio
# with-contenv hands the Supervisor's environment (SUPERVISOR_TOKEN) to the bridge, which reads
# /data/options.json itself and asks the Supervisor for the MQTT broker.
exec node /app/node_modules/alarm-mail-bridge/dist/bin.js
