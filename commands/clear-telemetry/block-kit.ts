import type { Button, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';

/**
 * Small Block Kit builders that keep every text within Slack's limits
 * (https://docs.slack.dev/reference/block-kit/blocks): 3,000 characters per text object,
 * 150 per header, 75 per button label.
 */
export const LIMITS = {
  text: 3_000,
  header: 150,
  button: 75,
  contextElements: 10,
  blocks: 50,
  fallback: 4_000,
} as const;

/**
 * Text a person typed (or a value read from the database) made inert for mrkdwn: Slack's own three
 * escapes (https://docs.slack.dev/messaging/formatting-message-text#escaping), so `<!channel>`,
 * `<@U…>` and `<https://…|label>` show as typed instead of pinging or linking.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * What a person typed, from a slash command's `text`: Slack sends `&`, `<` and `>` as entities, so a
 * reason is stored as typed and escaped once, where it is shown.
 */
export function typedText(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** What was typed, echoed back: inert, and short enough that a reply stays readable. */
export function echo(text: string, max = 200): string {
  return escapeMrkdwn(clip(text, max));
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.header), emoji: true } };
}

export function section(mrkdwn: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn, LIMITS.text) } };
}

export function context(...parts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: parts.slice(0, LIMITS.contextElements).map((text) => ({ type: 'mrkdwn', text: clip(text, LIMITS.text) })),
  };
}

export function button(label: string, actionId: string, value: string, style?: 'danger' | 'primary'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(label, LIMITS.button) },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

export function message(text: string, blocks: KnownBlock[]): { text: string; blocks: KnownBlock[] } {
  return { text: clip(text, LIMITS.fallback), blocks: blocks.slice(0, LIMITS.blocks) };
}
