// Injected into a copy of an ssot-report.html by selftest/test_report_render.py: measures the page as
// Chromium laid it out and leaves the answers, as JSON, in pre#ssot-probe for --dump-dom.
(() => {
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const texts = (root) => [...root.querySelectorAll('*')].filter((el) =>
    el.getClientRects().length && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()));
  const contrast = [];
  const summary = document.getElementById('ssot-summary');
  const cells = '.col-catalogue, .col-severity, .col-category, .col-phase, .col-target';
  const measured = [...(summary ? texts(summary) : []), ...document.querySelectorAll(`#environment td, #results-table ${cells}`)];
  for (const el of measured) {
    const value = ratio(rgb(getComputedStyle(el).color), background(el));
    contrast.push([Math.round(value * 100) / 100, el.tagName + '.' + el.className, el.textContent.slice(0, 60)]);
  }
  contrast.sort((a, b) => a[0] - b[0]);
  const links = [...document.querySelectorAll('#ssot-summary a[href^="#"]')].map((a) => a.getAttribute('href'));
  const sections = {};
  for (const href of links) {
    const target = document.getElementById(href.slice(1));
    sections[href] = target ? target.innerText.slice(0, 20000) : null;
  }
  const rows = [...document.querySelectorAll('#ssot-summary table.ssot-entries tr')].slice(1)
    .map((tr) => [...tr.cells].slice(0, 3).map((td) => td.innerText));
  const environment = [...document.querySelectorAll('#environment tr')].map((tr) => tr.cells[0].innerText);
  const severity = document.querySelector('#results-table-head th[data-column-type="severity"]');
  let sorted = null;
  if (severity) {
    severity.click();
    sorted = [...document.querySelectorAll('#results-table .collapsible .col-severity')].map((td) => td.innerText);
  }
  const out = document.createElement('pre');
  out.id = 'ssot-probe';
  out.textContent = JSON.stringify({
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    verdict: (document.querySelector('.ssot-verdict') || {}).innerText || null,
    contrast, sections, rows, environment, sorted,
  });
  document.body.appendChild(out);
})();
