// The `panel_control` section: where the panel's web interface is, the web user the bridge logs in as, and the code
// Home Assistant asks for before it arms or disarms. Without a url the panel takes no commands (as before).
import { z } from 'zod';

/** An `http(s)://host[:port]` of the panel, without a user or password in it (those have their own keys, kept out of logs). */
const panelUrl = z
  .string()
  .trim()
  .refine((value) => {
    if (value === '') return true;
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  }, 'an http:// or https:// address of the panel such as http://192.168.0.10, without user or password in it');

export const panelControlSection = z
  .object({
    /** The XT1's web interface, e.g. `http://192.168.0.10`; empty: arm and disarm are not offered. */
    url: panelUrl.default(''),
    /** A user of the XT1's web interface that may arm and disarm. */
    username: z.string().trim().max(64).default(''),
    /** That user's password (a secret). */
    password: z.string().max(128).default(''),
    /** A PIN or word Home Assistant asks for before each arm or disarm; empty: none is asked. Digits only get a keypad. */
    // No quote or backslash: Home Assistant puts the code into the command's JSON through a template that does not
    // escape it, so such a code could never be entered.
    code: z
      .string()
      .trim()
      .max(32)
      .regex(/^[^"\\]*$/u, 'no " or \\ in the code')
      .default(''),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.url !== '' && value.username === '')
      context.addIssue({ code: 'custom', path: ['username'], message: 'the web user to log in as, required with url' });
  });

export type PanelControlSettings = z.output<typeof panelControlSection>;
