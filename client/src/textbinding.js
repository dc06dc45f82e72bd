// Binds a <textarea> to a Y.Text: local typing becomes minimal Y.Text edits,
// and remote edits update the textarea without moving the local caret.

/** The smallest change that turns `before` into `after`. */
export function diff(before, after) {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (
    end < max - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) {
    end++;
  }
  return {
    index: start,
    remove: before.length - start - end,
    insert: after.slice(start, after.length - end),
  };
}

// The origin of this device's own edits: the undo manager tracks it, and a
// binding ignores its own echo.
export const LOCAL_ORIGIN = Symbol("local edit");

export function bindText(ytext, textarea, origin = LOCAL_ORIGIN) {
  textarea.value = ytext.toString();
  const onInput = () => {
    const change = diff(ytext.toString(), textarea.value);
    ytext.doc.transact(() => {
      if (change.remove) ytext.delete(change.index, change.remove);
      if (change.insert) ytext.insert(change.index, change.insert);
    }, origin);
  };
  const onRemote = (event, transaction) => {
    if (transaction.origin === origin) return;
    const { selectionStart, selectionEnd } = textarea;
    const before = textarea.value;
    textarea.value = ytext.toString();
    // Keep the caret after the same characters it was after.
    const change = diff(before, textarea.value);
    const shift = (pos) =>
      pos <= change.index ? pos : Math.max(change.index, pos + change.insert.length - change.remove);
    textarea.setSelectionRange(shift(selectionStart), shift(selectionEnd));
  };
  textarea.addEventListener("input", onInput);
  ytext.observe(onRemote);
  return () => {
    textarea.removeEventListener("input", onInput);
    ytext.unobserve(onRemote);
  };
}

/** Shows a Y.Text as the text of `node`, following every edit; returns the unbinding. */
export function showText(ytext, node) {
  const show = () => {
    const text = ytext.toString();
    if (node.textContent !== text) node.textContent = text;
  };
  show();
  ytext.observe(show);
  return () => ytext.unobserve(show);
}
