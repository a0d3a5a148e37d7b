// The `mqtt` section of the configuration: where the broker is, the topics, Home Assistant discovery.
import { z } from 'zod';

/** Topic levels of our own; wildcards or empty levels would publish where no one listens. */
const topicPrefix = z
  .string()
  .min(1)
  .regex(/^[^#+]+$/, 'a topic without the wildcards "+" or "#"')
  .refine((value) => !value.startsWith('/') && !value.endsWith('/'), 'no leading or trailing "/"');

export const mqttSection = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|ssl):\/\/.+/, 'empty or a URL such as "mqtt://host:1883" or "mqtts://host:8883"')
      .or(z.literal(''))
      .default(''),
    username: z.string().default(''),
    password: z.string().default(''),
    topic_prefix: topicPrefix.default('alarm-mail-bridge'),
    discovery_prefix: topicPrefix.default('homeassistant'),
    /** Home Assistant discovery; off removes the entities an earlier run announced. */
    discovery: z.boolean().default(true),
    /** Seconds a zone's motion sensor stays on after IR Activity (the XT1 sends no "motion ended"). */
    motion_off_delay: z.number().int().min(1).max(3600).default(30),
    /** Seconds a camera's motion sensor stays on after its mail, unless the camera mails "Stop" before. */
    camera_motion_off_delay: z.number().int().min(1).max(3600).default(30),
    /** Number addresses such as `+4915112345678@sms.local` in an event's from and recipients in full on MQTT; masked (`…5678`) by default. */
    full_addresses: z.boolean().default(false),
    /** Where the embedded broker listens when no url is set; loopback unless the user opens it. */
    embedded_host: z.string().min(1).default('127.0.0.1'),
    embedded_port: z.number().int().min(0).max(65535).default(1883),
  })
  .strict();

export type MqttConfig = z.infer<typeof mqttSection>;
