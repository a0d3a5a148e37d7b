// What a voice call says, as TwiML for Twilio's `Twiml` parameter: the event's text twice, in German or English, and
// how to acknowledge. Built with the SDK's VoiceResponse, which escapes the text.
//
// No <Gather>: a digit pressed would be posted to the Gather's `action` URL, by default the URL the TwiML came from
// (twilio.com/docs/voice/twiml/gather). TwiML given inline has no such URL, and the bridge has no public one, so
// "press 1" could acknowledge nothing; the call wakes the person, who acknowledges by an SMS reply or in Home
// Assistant, and the call says so instead of offering a key that does nothing.
import twilio from 'twilio';

export type CallLanguage = 'de' | 'en';

/** Twilio refuses a `Twiml` parameter over 4000 characters (error 32018); the text is cut well before. */
export const maxSpokenCharacters = 1000;

const words = {
  de: {
    intro: 'Alarmmeldung der Alarmanlage.',
    acknowledge: 'Zum Bestätigen senden Sie eine SMS mit OK an diese Nummer, oder bestätigen Sie in Home Assistant.',
    voice: 'Polly.Vicki',
    language: 'de-DE',
  },
  en: {
    intro: 'Alarm message from your alarm system.',
    acknowledge: 'To acknowledge, send a text message with OK to this number, or acknowledge in Home Assistant.',
    voice: 'Polly.Joanna',
    language: 'en-US',
  },
} as const;

/** The language a raised event asks for in `details.language`; English otherwise. */
export function callLanguage(details: Readonly<Record<string, unknown>> | undefined): CallLanguage {
  return details?.language === 'de' ? 'de' : 'en';
}

export function callScript(text: string, language: CallLanguage): string {
  const { intro, acknowledge, voice, language: locale } = words[language];
  const spoken =
    [...text.trim()].length > maxSpokenCharacters ? `${[...text.trim()].slice(0, maxSpokenCharacters).join('')}…` : text.trim();
  const response = new twilio.twiml.VoiceResponse();
  response.say({ voice, language: locale, loop: 2 }, `${intro} ${spoken}`);
  response.pause({ length: 1 });
  response.say({ voice, language: locale }, acknowledge);
  return response.toString();
}
