/**
 * Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks and the element
 * reference pages), checked on a rendered message. Returns what breaks them, empty when fine.
 */
interface Node {
  type?: string;
  text?: unknown;
  [key: string]: unknown;
}

export function blockKitViolations(message: { text: string; blocks: unknown[] }): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => ok || problems.push(problem);
  check(message.text.length > 0 && message.text.length <= 4_000, `fallback text is ${message.text.length} characters`);
  check(message.blocks.length <= 50, `${message.blocks.length} blocks`);
  const blockIds = new Set<string>();
  for (const [i, raw] of message.blocks.entries()) {
    const block = raw as Node;
    if (typeof block.block_id === 'string') {
      check(block.block_id.length <= 255, `block ${i}: block_id too long`);
      check(!blockIds.has(block.block_id), `block ${i}: duplicate block_id`);
      blockIds.add(block.block_id);
    }
    if (block.type === 'header') check(textOf(block.text).length <= 150, `block ${i}: header over 150`);
    if (block.type === 'section') {
      if (block.text)
        check(
          textOf(block.text).length >= 1 && textOf(block.text).length <= 3_000,
          `block ${i}: section text ${textOf(block.text).length}`,
        );
      const fields = (block.fields as Node[] | undefined) ?? [];
      check(fields.length <= 10, `block ${i}: ${fields.length} fields`);
      for (const field of fields) check(textOf(field).length <= 2_000, `block ${i}: field over 2,000`);
    }
    if (block.type === 'context') {
      const elements = block.elements as Node[];
      check(elements.length >= 1 && elements.length <= 10, `block ${i}: ${elements.length} context elements`);
      for (const element of elements) check(textOf(element).length <= 3_000, `block ${i}: context text over 3,000`);
    }
    if (block.type === 'actions') {
      const elements = block.elements as Node[];
      check(elements.length <= 25, `block ${i}: ${elements.length} actions`);
      const actionIds = elements.map((e) => String(e.action_id));
      check(new Set(actionIds).size === actionIds.length, `block ${i}: duplicate action_id`);
      for (const element of elements) {
        check(textOf(element.text).length <= 75, `block ${i}: button label over 75`);
        check(
          typeof element.value !== 'string' || element.value.length <= 2_000,
          `block ${i}: button value over 2,000`,
        );
        check(String(element.action_id).length <= 255, `block ${i}: action_id over 255`);
        const confirm = element.confirm as Node | undefined;
        if (confirm) {
          check(textOf(confirm.title).length <= 100, 'confirm title over 100');
          check(textOf(confirm.text).length <= 300, 'confirm text over 300');
          check(textOf(confirm.confirm).length <= 30 && textOf(confirm.deny).length <= 30, 'confirm buttons over 30');
        }
      }
    }
  }
  return problems;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Node | undefined;
  return typeof node?.text === 'string' ? node.text : '';
}
