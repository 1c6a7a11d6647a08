// The sandbox's channel view: renders the app's Block Kit messages and mrkdwn the way Slack does,
// live (server-sent events), and sends commands and clicks as the person chosen in the switcher.
import { parse } from '/vendor/slack-message-parser/mod.js';
import { NodeType } from '/vendor/slack-message-parser/types/Node.js';

const $ = (id) => document.getElementById(id);
// Symbols any system font has, for the few emoji the app uses.
const EMOJI = {
  warning: '⚠',
  white_check_mark: '✔',
  x: '✖',
  octagonal_sign: '■',
  arrow_forward: '▶',
  fast_forward: '»',
  no_entry_sign: '⊘',
  hourglass_flowing_sand: '⧗',
  double_vertical_bar: '‖',
  package: '▣',
  leftwards_arrow_with_hook: '↩',
};
let state = null;
let openThread = null;
let me = localStorage.getItem('sandbox-user') ?? 'UALICE';

const post = (path, body) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (r) => r.json(),
  );

// ---- mrkdwn, through slack-message-parser -------------------------------------------------------

/** Slack escapes only &, < and > in message text. */
const unescape = (text) => text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

function personName(id) {
  return state?.people.find((person) => person.id === id)?.name ?? (id === 'U0BOT' ? 'clear-telemetry' : id);
}

function mrkdwn(text) {
  const root = document.createElement('span');
  for (const node of parse(text).children) root.append(renderNode(node));
  return root;
}

function renderNode(node) {
  const el = (tag, children, className) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    for (const child of children ?? []) element.append(renderNode(child));
    return element;
  };
  switch (node.type) {
    case NodeType.Text:
      return document.createTextNode(unescape(node.text));
    case NodeType.Bold:
      return el('b', node.children);
    case NodeType.Italic:
      return el('i', node.children);
    case NodeType.Strike:
      return el('s', node.children);
    case NodeType.Quote:
      return el('blockquote', node.children);
    case NodeType.Code: {
      const code = document.createElement('code');
      code.textContent = unescape(node.text);
      return code;
    }
    case NodeType.PreText: {
      const pre = document.createElement('pre');
      pre.textContent = unescape(node.text);
      return pre;
    }
    case NodeType.UserLink: {
      const span = document.createElement('span');
      span.className = 'mention';
      span.textContent = `@${node.label ? unescape(node.label.map((child) => child.text ?? '').join('')) : personName(node.userID)}`;
      return span;
    }
    case NodeType.ChannelLink: {
      const span = document.createElement('span');
      span.className = 'mention';
      span.textContent = `#${node.label ? node.label.map((child) => child.text ?? '').join('') : node.channelID === state?.channel.id ? state.channel.name : node.channelID}`;
      return span;
    }
    case NodeType.URL: {
      const a = document.createElement('a');
      a.href = node.url;
      a.target = '_blank';
      a.rel = 'noreferrer';
      a.textContent = node.label ? node.label.map((child) => unescape(child.text ?? '')).join('') : node.url;
      return a;
    }
    case NodeType.Emoji:
      return document.createTextNode(EMOJI[node.name] ?? `:${node.name}:`);
    case NodeType.Command:
      return renderCommand(node);
    default:
      return document.createTextNode(node.source ?? '');
  }
}

function ago(date) {
  const minutes = Math.round((date.getTime() - Date.now()) / 60_000);
  return new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(minutes, 'minute');
}

/** `<!date^…|fallback>` in local time (relative for {ago}), `<!subteam^S…>` as @handle, `<!here>` as @here. */
function renderCommand(node) {
  const span = document.createElement('span');
  if (node.name === 'date') {
    const [seconds, format] = node.arguments;
    const date = new Date(Number(seconds) * 1000);
    // {ago} reads "in 14 minutes" or "3 minutes ago", as Slack renders it; every other format, the local time.
    span.textContent = format?.includes('{ago}') ? ago(date) : date.toLocaleString();
    span.title = node.label ? node.label.map((child) => child.text ?? '').join('') : '';
    return span;
  }
  span.className = 'mention';
  if (node.name === 'subteam')
    span.textContent = `@${node.arguments[0] === state?.group.id ? state.group.handle : node.arguments[0]}`;
  else span.textContent = `@${node.name}`;
  return span;
}

// ---- Block Kit ----------------------------------------------------------------------------------

function textOf(object) {
  if (!object) return document.createTextNode('');
  return object.type === 'mrkdwn' ? mrkdwn(object.text) : document.createTextNode(object.text);
}

function renderBlocks(message, host) {
  const blocks = message.blocks?.length
    ? message.blocks
    : [{ type: 'section', text: { type: 'mrkdwn', text: message.text } }];
  for (const block of blocks) {
    const div = document.createElement('div');
    div.className = `block ${block.type}`;
    switch (block.type) {
      case 'header':
        div.append(textOf(block.text));
        break;
      case 'section':
        if (block.text) div.append(textOf(block.text));
        if (block.fields) {
          const fields = document.createElement('div');
          fields.className = 'fields';
          for (const field of block.fields)
            fields.append(Object.assign(document.createElement('div'), {}), textOf(field));
          div.append(fields);
        }
        break;
      case 'context':
        for (const element of block.elements ?? []) {
          const span = document.createElement('span');
          span.append(textOf(element));
          div.append(span);
        }
        break;
      case 'actions':
        for (const element of block.elements ?? []) {
          if (element.type !== 'button') continue;
          const button = document.createElement('button');
          button.textContent = element.text.text;
          if (element.style) button.className = element.style;
          button.dataset.actionId = element.action_id;
          button.addEventListener('click', () => clickButton(message, block, element));
          div.append(button);
        }
        break;
      case 'divider':
        break;
      default:
        div.textContent = `[${block.type} block]`;
    }
    host.append(div);
  }
}

async function clickButton(message, block, element) {
  if (element.confirm && !(await confirmDialog(element.confirm))) return;
  await post('/sandbox/click', {
    user: me,
    ts: message.ts,
    action_id: element.action_id,
    block_id: block.block_id,
    value: element.value,
    text: element.text.text,
  });
}

/** A button's `confirm` object, as Slack shows it: title, text, and the two buttons. */
function confirmDialog(confirm) {
  return new Promise((resolve) => {
    $('dialog-title').textContent = confirm.title.text;
    $('dialog-text').replaceChildren(textOf(confirm.text));
    $('dialog-confirm').textContent = confirm.confirm?.text ?? 'Yes';
    $('dialog-confirm').className = confirm.style === 'danger' ? 'danger' : '';
    $('dialog-deny').textContent = confirm.deny?.text ?? 'Cancel';
    $('dialog').hidden = false;
    const done = (answer) => {
      $('dialog').hidden = true;
      $('dialog-confirm').onclick = null;
      $('dialog-deny').onclick = null;
      resolve(answer);
    };
    $('dialog-confirm').onclick = () => done(true);
    $('dialog-deny').onclick = () => done(false);
  });
}

// ---- The channel, threads and ephemerals --------------------------------------------------------

function messageView(message, { ephemeral = false, inThread = false } = {}) {
  const row = document.createElement('div');
  row.className = `message${ephemeral ? ' ephemeral' : ''}`;
  row.dataset.ts = message.ts ?? '';
  row.dataset.testid = ephemeral ? 'ephemeral' : inThread ? 'reply' : 'message';
  row.innerHTML =
    '<div class="avatar">ct</div><div class="body"><div class="author">clear-telemetry<span class="app">APP</span></div></div>';
  const body = row.querySelector('.body');
  if (ephemeral)
    body.append(
      Object.assign(document.createElement('div'), { className: 'only-you', textContent: 'Only visible to you' }),
    );
  renderBlocks(message, body);
  if (message.edits > 0)
    body.append(Object.assign(document.createElement('span'), { className: 'edited', textContent: '(edited)' }));
  if (!inThread && message.replies?.length) {
    const link = document.createElement('button');
    link.className = 'replies';
    link.dataset.testid = 'replies';
    link.textContent = `${message.replies.length} ${message.replies.length === 1 ? 'reply' : 'replies'}`;
    link.addEventListener('click', () => {
      openThread = message.ts;
      render();
    });
    body.append(link);
  }
  return row;
}

function render() {
  if (!state) return;
  const who = $('who');
  if (who.options.length === 0) {
    for (const person of state.people) who.append(new Option(`${person.name} (${person.role})`, person.id));
  }
  who.value = me;
  $('database').textContent = state.database;
  $('counts').replaceChildren(
    ...Object.entries(state.counts).map(([status, count]) => {
      const tr = document.createElement('tr');
      tr.dataset.status = status;
      tr.innerHTML = `<td></td><td></td>`;
      tr.cells[0].textContent = status;
      tr.cells[1].textContent = count.toLocaleString('en-US');
      return tr;
    }),
  );
  $('insert').disabled = !state.seeded;
  $('connection').textContent =
    state.mode === 'socket'
      ? `Socket Mode: ${state.connected ? 'connected' : 'not connected'}`
      : 'HTTP mode: signed requests to /slack/events';
  $('acks').textContent = state.acks.count
    ? `Acks: ${state.acks.count}, last ${state.acks.lastMs} ms, p99 ${state.acks.p99Ms} ms`
    : 'Acks: none yet';
  $('app-state').textContent = state.appRunning ? 'app running' : 'app not running: wait for it to start';
  // Nothing typed before the app is up would reach it: the composer waits for it.
  $('command').disabled = !state.appRunning;
  $('composer').querySelector('button').disabled = !state.appRunning;

  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(
    ...state.messages.map((message) => messageView(message)),
    ...state.ephemerals.filter((reply) => reply.userId === me).map((reply) => messageView(reply, { ephemeral: true })),
  );
  if (atBottom) list.scrollTop = list.scrollHeight;

  const parent = state.messages.find((message) => message.ts === openThread);
  $('thread').hidden = !parent;
  if (parent)
    $('thread-messages').replaceChildren(...parent.replies.map((reply) => messageView(reply, { inThread: true })));
}

$('who').addEventListener('change', (event) => {
  me = event.target.value;
  localStorage.setItem('sandbox-user', me);
  render();
});
$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('command').value.trim();
  if (!text.startsWith('/clear-telemetry')) return;
  $('command').value = '/clear-telemetry ';
  await post('/sandbox/command', { user: me, text });
});
$('insert').addEventListener('click', () => post('/sandbox/insert', { count: Number($('insert-count').value) }));
$('crash').addEventListener('click', () => post('/sandbox/crash', {}));
$('close-thread').addEventListener('click', () => {
  openThread = null;
  render();
});

new EventSource('/events').onmessage = (event) => {
  state = JSON.parse(event.data);
  render();
};
