// The `contact_id` section: where the Contact ID receiver listens (port 0, the default: it is off) and which
// accounts it takes reports of. Who may connect and how many at once are the SMTP intake's settings
// (smtp.allowed_networks, max_clients, max_clients_per_address, idle_timeout, session_timeout): one panel, one set
// of limits.
import { z } from 'zod';

export const contactIdSection = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    /** 0 (the default): no receiver. */
    port: z.number().int().min(0).max(65535).default(0),
    /** The account of the panel's URL `rptn://<account>@<ip>:<port>`; a report of another account gets no ACK. */
    accounts: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/u, 'letters, digits, "_" or "-", at most 32, e.g. "1234"')).default([]),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.port !== 0 && value.accounts.length === 0)
      context.addIssue({ code: 'custom', path: ['accounts'], message: 'at least one account when the receiver is on (port not 0)' });
  });

export type ContactIdSettings = z.output<typeof contactIdSection>;
