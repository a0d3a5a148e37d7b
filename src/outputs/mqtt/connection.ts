// Where the MQTT broker is and how to log in: from mqtt.url, the embedded broker, or the Supervisor's MQTT service.

export interface MqttConnection {
  url: string;
  username: string;
  password: string;
}
