/* One small DOM builder for the dialog and the extension's pages: text only through textContent, never HTML. */
'use strict';

globalThis.AtesakiEl = (() => {
  /**
   * A new element: `attrs` become attributes (`class`, and `text` as its textContent;
   * null, undefined and false are left out, true is an empty attribute), `children` are
   * appended (arrays flattened, null and undefined skipped).
   */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  return { el };
})();
