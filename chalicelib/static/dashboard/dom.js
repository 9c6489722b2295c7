/*
 * DOM helpers: look-up by id and element building through properties, never HTML.
 * Every value from the API reaches the page through these (textContent or DOM properties).
 */

export function $(id) { return document.getElementById(id); }

/** el('td', {className: 'num', title: 'x'}, ['text', node]): properties, never HTML. */
export function el(tag, props, children) {
  var node = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) return;
      if (key === 'dataset') Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key === 'style') Object.keys(value).forEach(function (k) { node.style[k] = value[k]; });
      else if (key === 'attrs') Object.keys(value).forEach(function (k) { node.setAttribute(k, value[k]); });
      else node[key] = value;
    });
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  });
  return node;
}

/** A table cell that carries its column name, so phones can show rows as labelled cards. */
export function cell(label, className, children, field) {
  return el('td', { className: className || '', dataset: field ? { label: label, field: field } : { label: label } }, children);
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

/** A small figure with its label (the journey and heatmap summaries). */
export function statCard(label, value, id) {
  return el('div', { className: 'mini', id: id }, [el('span', { className: 'mini-value' }, [value]), el('span', { className: 'mini-label' }, [label])]);
}
