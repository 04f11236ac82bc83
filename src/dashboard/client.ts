// The dashboard's own stylesheet and script, served as files (the CSP allows no inline style or script).

/** Colours chosen for contrast of at least 4.5:1 on their backgrounds (checked by axe-core in the browser tests). */
export const dashboardCss = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45; color: #1a1a1a; background: #fff; }
body { margin: 0; }
a { color: #0b4fb3; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, [tabindex]:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1rem; border-bottom: 1px solid #c7c7c7; background: #f4f6f8; }
.brand { margin: 0; font-weight: 600; }
.brand a { text-decoration: none; color: #1a1a1a; }
.business { font-weight: 400; color: #4a4a4a; margin-left: .5rem; }
.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
.top nav a[aria-current="page"] { font-weight: 700; color: #1a1a1a; }
.sign-out { margin-left: auto; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
main.narrow { max-width: 26rem; margin-top: 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.meta, .hint, .crumbs { color: #4a4a4a; margin: .25rem 0; overflow-wrap: anywhere; }
label { display: block; font-weight: 600; margin-bottom: .2rem; }
fieldset label { display: inline-block; font-weight: 400; margin-right: 1rem; }
input, select, button { font: inherit; }
input, select { padding: .4rem .5rem; border: 1px solid #6b6b6b; border-radius: 4px; background: #fff; color: #1a1a1a; max-width: 100%; }
input[type="radio"] { padding: 0; }
button { padding: .45rem .9rem; border-radius: 4px; border: 1px solid #0b4fb3; background: #0b4fb3; color: #fff; cursor: pointer; }
button[disabled] { background: #5c6b80; border-color: #5c6b80; }
.sign-out button { background: #fff; color: #0b4fb3; }
.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.search label { width: 100%; }
.search input { flex: 1 1 16rem; }
.search .hint { width: 100%; }
fieldset { border: 1px solid #c7c7c7; border-radius: 4px; margin: 0 0 .5rem; }
.row, .filters { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.filters p, .row p { margin: .25rem 0; }
.filters button { margin-top: 1.6rem; }
#entry-reason { width: 100%; }
.entry form { max-width: 34rem; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { border: 1px solid #c7c7c7; border-radius: 6px; padding: .75rem 1rem; min-width: 13rem; flex: 1 1 13rem; }
.card p { margin: .2rem 0; }
.currency { color: #4a4a4a; font-weight: 600; }
.balance { font-size: 1.6rem; font-weight: 700; }
.threshold { color: #4a4a4a; font-size: .9rem; }
.amounts, .facts { margin: .4rem 0; display: grid; gap: .1rem; }
.amounts div, .facts div { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0 .75rem; }
.amounts dt, .facts dt { color: #4a4a4a; }
.amounts dd, .facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.facts { max-width: 34rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.warn { color: #a3000f; }
.error { color: #a3000f; font-weight: 600; }
.success { color: #1d6b2a; font-weight: 600; }
.notice { background: #fff6d6; border: 1px solid #8a6d00; padding: .5rem .75rem; border-radius: 4px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid #c7c7c7; border-radius: 6px; padding: .5rem; min-width: 0; }
figcaption { font-weight: 600; }
.chart-area { width: 100%; min-height: 12rem; }
.table-wrap { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #dcdcdc; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td form { margin: 0; }
td button { padding: .2rem .6rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8rem; max-width: 40rem; }
code { overflow-wrap: anywhere; }
.pager { display: flex; gap: 1.5rem; margin: .75rem 0; }
@media (max-width: 40rem) {
  .sign-out { margin-left: 0; }
  h1 { font-size: 1.3rem; }
  main { padding: .75rem; }
}
`;

/**
 * Draws each chart (a balance trend, a report's credits and debits) from the JSON in its data-trend attribute (htmx drops script elements it swaps in, so
 * the data cannot sit in a <script type="application/json">), on load and again after htmx swaps new content in, and
 * redraws at the new width when the window resizes.
 */
export const dashboardScript = `'use strict';
(function () {
  var charts = [];
  // Axis labels only, in short form ($1.2K, ₹15L): every amount shown as text comes from the server, exact.
  function money(currency) {
    var locale = currency === 'INR' ? 'en-IN' : 'en-US';
    try { return new Intl.NumberFormat(locale, { style: 'currency', currency: currency, notation: 'compact', maximumFractionDigits: 1 }); }
    catch (e) { return new Intl.NumberFormat(locale, { notation: 'compact' }); }
  }
  function draw(area) {
    if (typeof uPlot === 'undefined' || area.getAttribute('data-drawn') === 'yes') return;
    var data = JSON.parse(area.getAttribute('data-trend'));
    var scale = Math.pow(10, data.exponent);
    var xs = data.days.map(function (day) { return Date.parse(day + 'T00:00:00Z') / 1000; });
    // Display only: the chart plots major units as floating-point numbers, never sent back.
    // A trend has one series (balances); a report names its own (credits and debits).
    var named = data.series || [{ label: data.currency, values: data.balances }];
    var colours = ['#0b4fb3', '#b35900'];
    var ys = named.map(function (s) { return s.values.map(function (minor) { return minor / scale; }); });
    var format = money(data.currency);
    var options = {
      width: Math.max(240, area.clientWidth),
      height: 200,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#1a1a1a', grid: { stroke: '#e3e3e3' } },
        { stroke: '#1a1a1a', size: 64, grid: { stroke: '#e3e3e3' }, values: function (u, splits) { return splits.map(function (v) { return format.format(v); }); } },
      ],
      series: [{}].concat(named.map(function (s, i) { return { label: s.label, stroke: colours[i % 2], width: 2, fill: i === 0 && !data.series ? 'rgba(11, 79, 179, 0.08)' : undefined }; })),
    };
    area.setAttribute('data-drawn', 'yes');
    if (data.series) options.legend = { show: true };
    // One point alone: a day either side, or uPlot spreads the time axis over years.
    if (xs.length === 1) options.scales.x.range = function () { return [xs[0] - 86400, xs[0] + 86400]; };
    charts.push({ area: area, plot: new uPlot(options, [xs].concat(ys), area) });
  }
  function drawAll() {
    charts = charts.filter(function (chart) { return document.body.contains(chart.area); });
    var areas = document.querySelectorAll('[data-trend]');
    for (var i = 0; i < areas.length; i++) draw(areas[i]);
  }
  document.addEventListener('DOMContentLoaded', drawAll);
  // htmx:load fires on content htmx has just put in the page (an outerHTML swap detaches the element other events name).
  document.addEventListener('htmx:load', drawAll);
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (chart) { chart.plot.setSize({ width: Math.max(240, chart.area.clientWidth), height: 200 }); });
    }, 150);
  });
})();
`;
