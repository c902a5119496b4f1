// runner's pages: Runs, Run, Compare, Sweep. One script for `runner serve` (documents from /api, changes by
// server-sent events) and `runner report --html` (documents from data/*.js files). Every text that comes from a
// results folder is put in the page as text (textContent, never innerHTML), control characters made visible.
'use strict';
(function () {
  const STATIC = document.body.dataset.mode === 'static';
  window.RUNNER_DATA = window.RUNNER_DATA || {};
  const charts = [];          // the page's ECharts instances, disposed on navigation
  let onChange = null;        // the page's handler of changed ids (serve only)

  // ------------------------------------------------------------------ text and numbers

  /** Control characters (an ANSI escape's ESC) as their visible pictures: shown, never interpreted. */
  function clean(s) {
    if (s === null || s === undefined) return '';
    return String(s).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g,
      c => c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)));
  }

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = clean(v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined || k === false) continue;
      e.appendChild(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(clean(k)) : k);
    }
    return e;
  }

  /** The shortest form people write: 2e-3, 0.05, 128, 1.5e7 (as the terminal tools print). */
  function num(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '\u2014';
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e-2 && a < 1e7) return String(Number(v.toPrecision(6)));
    return Number(v.toPrecision(6)).toExponential().replace('e+', 'e');
  }
  const pct = v => v === null || v === undefined ? '\u2014' : (100 * v).toFixed(2) + ' %';
  const loss = v => v === null || v === undefined ? '\u2014' : v.toFixed(4);
  function dur(s) {
    if (s === null || s === undefined) return '\u2014';
    if (s < 90) return s.toFixed(1) + ' s';
    if (s < 5400) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  function hex(s) {
    return Array.from(new TextEncoder().encode(s)).map(b => b.toString(16).padStart(2, '0')).join('');
  }
  const enc = id => id.split('/').map(encodeURIComponent).join('/');

  // ------------------------------------------------------------------ documents

  /** A document: kind 'runs', 'run' or 'sweep'. From the server, or from a data/*.js file of a static report. */
  function load(kind, id) {
    if (!STATIC) {
      const url = kind === 'runs' ? 'api/runs' : 'api/' + kind + '?id=' + encodeURIComponent(id);
      return fetch(url, {cache: 'no-store'}).then(r => r.json().then(j => {
        if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
        return j;
      }));
    }
    const key = kind + ':' + (id || '');
    if (key in window.RUNNER_DATA) return Promise.resolve(window.RUNNER_DATA[key]);
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = 'data/' + kind + '-' + hex(id || '') + '.js';
      s.onload = () => key in window.RUNNER_DATA ? resolve(window.RUNNER_DATA[key])
        : reject(new Error('not in this report: ' + (id || kind)));
      s.onerror = () => reject(new Error('not in this report: ' + (id || kind)));
      document.head.appendChild(s);
    });
  }

  // ------------------------------------------------------------------ charts

  const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777',
    '#4b5563', '#65a30d'];

  function chart(node, option) {
    const c = echarts.init(node, null, {renderer: 'canvas'});
    c.setOption(Object.assign({animation: false, color: PALETTE,
      // rich text: tooltips drawn on the canvas, so no name or value is ever read as markup
      tooltip: {trigger: 'axis', renderMode: 'richText', valueFormatter: v => num(v)},
      grid: {left: 62, right: 24, top: 34, bottom: 46}}, option));
    charts.push(c);
    return c;
  }
  function axis(name, extra) {
    return Object.assign({name: name, nameLocation: 'middle', nameGap: 28, axisLabel: {formatter: v => num(v)},
      splitLine: {lineStyle: {color: '#eef0f3'}}}, extra || {});
  }
  function yAxis(name, extra) {
    return axis(name, Object.assign({nameGap: 46, scale: true}, extra || {}));
  }

  /** A card holding a chart, with buttons that download the data behind it as CSV and JSON. */
  function card(title, id, data, tall) {
    const node = el('div', {class: 'chart' + (tall ? ' tall' : ''), id: id});
    const dl = el('span', {class: 'dl'},
      el('button', {class: 'csv', title: 'the data behind this chart as CSV', onclick: () => save(id + '.csv',
        toCsv(data()), 'text/csv')}, 'CSV'),
      el('button', {class: 'json', title: 'the data behind this chart as JSON', onclick: () => save(id + '.json',
        JSON.stringify(data(), null, 1), 'application/json')}, 'JSON'));
    return {card: el('div', {class: 'card'}, el('h3', {}, title, dl), node), node: node};
  }

  /** Rows (objects with the same keys) as CSV. */
  function toCsv(rows) {
    if (!rows.length) return '';
    const keys = Object.keys(rows[0]);
    const cell = v => {
      const s = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    return [keys.join(',')].concat(rows.map(r => keys.map(k => cell(r[k])).join(','))).join('\n') + '\n';
  }
  function save(name, text, type) {
    const a = el('a', {href: URL.createObjectURL(new Blob([text], {type: type})), download: name});
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  /** Exponential moving average, PyTorch-style smoothing of the iteration loss (nulls skipped). */
  function smooth(xs, beta) {
    let m = null;
    return xs.map(v => v === null ? null : (m = m === null ? v : beta * m + (1 - beta) * v));
  }

  // ------------------------------------------------------------------ pages

  function status(r) {
    const st = r.status || 'unknown';
    const s = el('span', {class: 'status status-' + st.replace(/[^a-z]/g, '')}, st);
    if (st === 'running' && r.epochs_planned) {
      s.appendChild(el('span', {class: 'why'}, 'epoch ' + (r.epoch + 1 > r.epochs_planned ? r.epochs_planned
        : r.epoch + 1) + ' of ' + r.epochs_planned + (r.eta_s !== null && r.eta_s !== undefined
        ? ', ' + dur(r.eta_s) + ' left' : '')));
    }
    if (r.error) s.appendChild(el('span', {class: 'why'}, r.error));
    return s;
  }

  function sortable(table, rows, columns, render, initial) {
    let by = initial || null;
    let dir = -1;
    const thead = el('tr');
    columns.forEach(c => {
      const th = el('th', {class: (c.key ? 'sortable ' : '') + (c.num ? 'num' : ''), 'data-key': c.key}, c.label);
      if (c.key) th.addEventListener('click', () => {
        dir = by === c.key ? -dir : (c.num ? -1 : 1);
        by = c.key;
        draw();
      });
      thead.appendChild(th);
    });
    table.appendChild(el('thead', {}, thead));
    const tbody = el('tbody');
    table.appendChild(tbody);
    function draw() {
      thead.querySelectorAll('th').forEach(th => th.classList.remove('sorted-asc', 'sorted-desc'));
      if (by) {
        const th = thead.querySelector('th[data-key="' + by + '"]');
        if (th) th.classList.add(dir > 0 ? 'sorted-asc' : 'sorted-desc');
      }
      const list = rows();
      const sorted = by ? list.slice().sort((a, b) => {
        const x = a[by], y = b[by];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : 1) * dir;
      }) : list;
      tbody.replaceChildren(...sorted.map(render));
    }
    draw();
    return draw;
  }

  // ---- Runs

  function runsPage(page) {
    const selected = new Set();
    let doc = null;
    const text = el('input', {type: 'search', id: 'filter', placeholder: 'filter: name, run, description…'});
    const statusSel = el('select', {id: 'status-filter'}, el('option', {value: ''}, 'any status'));
    const expSel = el('select', {id: 'experiment-filter'}, el('option', {value: ''}, 'any experiment'));
    const compare = el('button', {class: 'primary', id: 'compare', disabled: true,
      onclick: () => { location.hash = '#/compare/' + Array.from(selected).map(encodeURIComponent).join(','); }},
      'Compare selected');
    const count = el('span', {class: 'muted', id: 'count'});
    const sweepsBox = el('div');
    const table = el('table', {id: 'runs'});
    page.replaceChildren(el('h1', {}, 'Runs'), sweepsBox,
      el('div', {class: 'bar'}, text, statusSel, expSel, compare, count), el('div', {class: 'table-wrap'}, table));
    const visible = () => {
      if (!doc) return [];
      const q = text.value.trim().toLowerCase();
      return doc.runs.filter(r => (!statusSel.value || r.status === statusSel.value)
        && (!expSel.value || r.name === expSel.value)
        && (!q || [r.name, r.run_id, r.id, r.description, r.status].some(s => s && s.toLowerCase().includes(q))));
    };
    const columns = [{label: ''}, {label: 'experiment', key: 'name'}, {label: 'run', key: 'run_id'},
      {label: 'status', key: 'status'}, {label: 'final test acc', key: 'final_test_accuracy', num: true},
      {label: 'best test acc', key: 'best_test_accuracy', num: true},
      {label: 'final test loss', key: 'final_test_loss', num: true}, {label: 'time', key: 'seconds', num: true},
      {label: 'device', key: 'device'}, {label: 'engine', key: 'engine'}, {label: 'precision', key: 'precision'}];
    const row = r => el('tr', {'data-id': r.id},
      el('td', {}, el('input', {type: 'checkbox', class: 'pick', checked: selected.has(r.id), onchange: e => {
        if (e.target.checked) selected.add(r.id); else selected.delete(r.id);
        compare.disabled = selected.size < 2;
        compare.textContent = 'Compare selected' + (selected.size ? ' (' + selected.size + ')' : '');
      }})),
      el('td', {}, el('a', {class: 'run-link', href: '#/run/' + encodeURIComponent(r.id)}, r.name),
        r.sweep ? el('span', {class: 'pill', title: r.sweep}, 'sweep') : null,
        r.description ? el('span', {class: 'why'}, r.description) : null),
      el('td', {class: 'muted'}, r.run_id), el('td', {}, status(r)),
      el('td', {class: 'num'}, pct(r.final_test_accuracy)), el('td', {class: 'num'}, pct(r.best_test_accuracy)),
      el('td', {class: 'num'}, loss(r.final_test_loss)), el('td', {class: 'num'}, dur(r.seconds)),
      el('td', {}, r.device || ''), el('td', {}, r.engine || ''), el('td', {}, r.precision || ''));
    let draw = null;
    function refresh() {
      return load('runs').then(d => {
        doc = d;
        document.getElementById('root').textContent = clean('results: ' + d.root);
        fill(statusSel, d.runs.map(r => r.status));
        fill(expSel, d.runs.map(r => r.name));
        sweepsBox.replaceChildren(...(d.sweeps.length ? [el('h2', {}, 'Sweeps'), el('div', {class: 'table-wrap'},
          el('table', {id: 'sweeps'}, el('thead', {}, el('tr', {}, ['sweep', 'folder', 'trials', 'best', 'metric']
            .map(h => el('th', {}, h)))), el('tbody', {}, d.sweeps.map(s => el('tr', {},
            el('td', {}, el('a', {href: '#/sweep/' + encodeURIComponent(s.id)}, s.name)),
            el('td', {class: 'muted'}, s.run_id),
            el('td', {}, s.error ? el('span', {class: 'status status-failed'}, s.error)
              : s.completed + ' of ' + s.trials_total + ' completed' + (s.running ? ', ' + s.running + ' running' : '')),
            el('td', {}, s.best || '\u2014'),
            el('td', {class: 'num'}, s.best_metric === null || s.best_metric === undefined ? '\u2014'
              : (s.metric || '').endsWith('accuracy') ? pct(s.best_metric) : loss(s.best_metric))))))),
          el('h2', {}, 'Runs')] : []));
        if (!draw) draw = sortable(table, visible, columns, row);
        else draw();
        count.textContent = visible().length + ' of ' + d.runs.length + ' runs';
      });
    }
    [text, statusSel, expSel].forEach(x => x.addEventListener('input', () => {
      draw && draw();
      count.textContent = visible().length + ' of ' + (doc ? doc.runs.length : 0) + ' runs';
    }));
    let pending = null;
    onChange = () => { clearTimeout(pending); pending = setTimeout(refresh, 200); };
    return refresh();
  }

  function fill(select, values) {
    const keep = select.value;
    const seen = Array.from(new Set(values.filter(v => v))).sort();
    const first = select.options[0];
    select.replaceChildren(first, ...seen.map(v => el('option', {value: v}, v)));
    select.value = seen.includes(keep) ? keep : '';
  }

  // ---- Run

  function runPage(page, id) {
    const head = el('div');
    const body = el('div');
    page.replaceChildren(el('p', {}, el('a', {href: '#/'}, '\u2190 all runs')), head, body);
    let drawn = null;
    function refresh() {
      return load('run', id).then(r => {
        head.replaceChildren(...[el('h1', {id: 'run-title'}, r.name + ' / ' + r.run_id), el('div', {class: 'kv'},
          el('span', {}, 'status ', status(r)),
          r.kind === 'lr_range_test' ? el('span', {}, 'LR range test, suggested lr ', el('b', {}, num(r.lr_range_test
            && r.lr_range_test.suggested_lr))) : el('span', {}, 'epochs ', el('b', {}, r.epoch + ' of ' + r.epochs_planned)),
          el('span', {}, 'final test acc ', el('b', {}, pct(r.final_test_accuracy))),
          el('span', {}, 'best ', el('b', {}, pct(r.best_test_accuracy))),
          el('span', {}, 'time ', el('b', {}, dur(r.seconds))),
          r.engine ? el('span', {}, 'engine ', el('b', {}, r.engine + ' on ' + r.device)) : null,
          r.precision ? el('span', {}, 'precision ', el('b', {}, r.precision)) : null,
          r.sweep ? el('span', {}, 'sweep ', el('a', {href: '#/sweep/' + encodeURIComponent(r.sweep)}, r.sweep)) : null),
          r.description ? el('p', {class: 'muted', id: 'description'}, r.description) : null,
          r.status === 'unreadable' ? el('div', {class: 'error', id: 'run-error'}, r.error) : null].filter(x => x));
        if (r.status === 'unreadable') { body.replaceChildren(); return; }
        if (!drawn) drawn = drawRun(body, r);
        else drawn(r);
      });
    }
    onChange = ids => { if (ids.includes(id)) refresh(); };
    return refresh();
  }

  function drawRun(body, r0) {
    let r = r0;
    const grid = el('div', {class: 'grid'});
    body.replaceChildren(grid);
    const ipe = () => r.iterations_per_epoch || 1;
    const parts = [];
    if (r0.kind !== 'lr_range_test') {   // a range test has its own curve, below
    const lossCard = card('Loss', 'chart-loss', () => r.iterations.loss.map((v, i) => ({iteration: i + 1, loss: v,
      smoothed: smooth(r.iterations.loss, 0.9)[i]})));
    grid.appendChild(lossCard.card);
    const lossChart = chart(lossCard.node, {legend: {top: 0}, xAxis: axis('iteration', {type: 'value', min: 1}),
      yAxis: yAxis('loss'), dataZoom: [{type: 'inside'}], series: []});
    parts.push(() => {
      const it = r.iterations.loss;
      lossChart.setOption({series: [
        {id: 'loss', name: 'loss per iteration', type: 'line', showSymbol: false, lineStyle: {width: 1, opacity: .35},
          data: it.map((v, i) => [i + 1, v])},
        {id: 'smoothed', name: 'smoothed', type: 'line', showSymbol: false, lineStyle: {width: 2},
          data: smooth(it, 0.9).map((v, i) => [i + 1, v])},
        {id: 'train', name: 'train loss (epoch)', type: 'line', data: r.epochs.map(e => [e.epoch * ipe(), e.train_loss])},
        {id: 'test', name: 'test loss (epoch)', type: 'line', data: r.epochs.map(e => [e.epoch * ipe(), e.test_loss])}]
        .concat(r.epochs.some(e => e.val_loss !== null) ? [{id: 'val', name: 'val loss (epoch)', type: 'line',
          data: r.epochs.map(e => [e.epoch * ipe(), e.val_loss])}] : [])});
    });
    const accCard = card('Accuracy', 'chart-accuracy', () => r.epochs.map(e => ({epoch: e.epoch,
      test_accuracy: e.test_accuracy, train_accuracy: e.train_accuracy, val_accuracy: e.val_accuracy})));
    grid.appendChild(accCard.card);
    const accChart = chart(accCard.node, {legend: {top: 0}, xAxis: axis('epoch', {type: 'value', minInterval: 1, min: 1}),
      yAxis: yAxis('accuracy (%)'), series: []});
    parts.push(() => accChart.setOption({series: [
      {id: 'test', name: 'test', type: 'line', data: r.epochs.map(e => [e.epoch, pc(e.test_accuracy)])},
      {id: 'train', name: 'train', type: 'line', data: r.epochs.filter(e => e.train_accuracy !== null)
        .map(e => [e.epoch, pc(e.train_accuracy)])}].concat(r.epochs.some(e => e.val_accuracy !== null)
        ? [{id: 'val', name: 'val', type: 'line', data: r.epochs.filter(e => e.val_accuracy !== null)
          .map(e => [e.epoch, pc(e.val_accuracy)])}] : [])}));
    const lrCard = card('Learning rate', 'chart-lr', () => r.iterations.lr.map((v, i) => ({iteration: i + 1, lr: v})));
    grid.appendChild(lrCard.card);
    const lrChart = chart(lrCard.node, {xAxis: axis('iteration', {type: 'value', min: 1}), yAxis: yAxis('lr'),
      series: []});
    parts.push(() => lrChart.setOption({series: [{id: 'lr', name: 'lr', type: 'line', showSymbol: false,
      data: r.iterations.lr.map((v, i) => [i + 1, v])}]}));
    }
    const extra = el('div');
    body.appendChild(extra);
    function rest() {
      const nodes = [];
      const more = el('div', {class: 'grid'});
      if (r.per_class && r.per_class.test) {
        const classes = Object.keys(r.per_class.test);
        const c = card('Per-class accuracy', 'chart-per-class', () => classes.map(k => ({class: k,
          test: r.per_class.test[k], train: r.per_class.train ? r.per_class.train[k] : null})));
        more.appendChild(c.card);
        const series = [{name: 'test', type: 'bar', data: classes.map(k => pc(r.per_class.test[k]))}];
        if (r.per_class.train) series.push({name: 'train', type: 'bar', data: classes.map(k => pc(r.per_class.train[k]))});
        nodes.push(() => chart(c.node, {legend: {top: 0}, xAxis: {type: 'category', data: classes.map(clean)},
          yAxis: yAxis('accuracy (%)', {min: 0, max: 100, scale: false}), series: series}));
      }
      if (r.confusion && r.classes && r.classes.length) {
        const cls = r.classes.map(clean);
        const cells = [];
        r.confusion.forEach((row, i) => row.forEach((v, j) => cells.push([j, i, v])));
        const c = card('Confusion matrix (rows: true class)', 'chart-confusion', () => cells.map(x => ({
          true_class: r.classes[x[1]], predicted: r.classes[x[0]], count: x[2]})), true);
        more.appendChild(c.card);
        nodes.push(() => chart(c.node, {tooltip: {renderMode: 'richText'}, grid: {left: 80, right: 24, top: 20, bottom: 70},
          xAxis: {type: 'category', data: cls, name: 'predicted', nameLocation: 'middle', nameGap: 50,
            axisLabel: {rotate: 30}},
          yAxis: {type: 'category', data: cls, inverse: true}, visualMap: {show: false, min: 0,
            max: Math.max(1, ...cells.map(x => x[2])), inRange: {color: ['#f8fafc', '#1d4ed8']}},
          series: [{type: 'heatmap', data: cells, label: {show: cls.length <= 12}}]}));
      }
      const t = r.lr_range_test;
      if (t && t.lr) {
        const c = card('LR range test', 'chart-lr-range', () => t.lr.map((v, i) => ({lr: v, loss: t.loss[i],
          smoothed_loss: t.smoothed_loss ? t.smoothed_loss[i] : null})));
        more.appendChild(c.card);
        const marks = Object.entries(t.suggestions || {}).filter(([, s]) => s && s.lr)
          .map(([k, s]) => ({value: [s.lr, s.loss], name: clean(k) + (k === t.default ? ' (default)' : '')}));
        nodes.push(() => chart(c.node, {legend: {top: 0}, xAxis: axis('learning rate (log scale)', {type: 'log'}),
          yAxis: yAxis('loss'), series: [
            {name: 'loss', type: 'line', showSymbol: false, lineStyle: {opacity: .4}, data: t.lr.map((v, i) => [v, t.loss[i]])},
            {name: 'smoothed', type: 'line', showSymbol: false, data: t.lr.map((v, i) => [v, (t.smoothed_loss || [])[i]])},
            {name: 'suggestions', type: 'scatter', symbolSize: 12, data: marks, label: {show: true, position: 'top',
              formatter: p => p.name + ' ' + num(p.value[0])}}]}));
      }
      const maps = (r.images || []).filter(n => n.startsWith('feature_maps'));
      const blocks = [more];
      if (maps.length) {
        blocks.push(el('h2', {}, 'Feature maps'), el('div', {class: 'images'}, maps.map(n => el('figure', {},
          el('img', {src: 'files/' + enc(r.id) + '/' + encodeURIComponent(n), alt: n}), el('figcaption', {}, n)))));
      }
      blocks.push(el('h2', {}, 'Details'));
      const pre = (title, text, open, id) => text ? el('details', {open: open, id: id}, el('summary', {}, title),
        el('pre', {}, text)) : null;
      blocks.push(pre('Log (last lines)', r.log_tail, r.status !== 'completed', 'log'),
        pre('Experiment (resolved)', r.experiment_yaml, false, 'experiment'), pre('Network', r.summary, false, 'network'),
        pre('Provenance', r.provenance, false, 'provenance'));
      extra.replaceChildren(...blocks.filter(b => b));
      nodes.forEach(f => f());
    }
    const update = next => {
      r = next;
      parts.forEach(f => f());
      if (next.status !== 'running') rest();
      else {
        const log = extra.querySelector('#log pre');
        if (log) log.textContent = clean(next.log_tail || '');
      }
    };
    parts.forEach(f => f());
    rest();
    return update;
  }
  const pc = v => v === null || v === undefined ? null : +(100 * v).toFixed(4);

  // ---- Compare

  const METRICS = [['final test accuracy', 'final_test_accuracy', pct], ['best test accuracy', 'best_test_accuracy', pct],
    ['final train accuracy', 'final_train_accuracy', pct], ['final val accuracy', 'final_val_accuracy', pct],
    ['final test loss', 'final_test_loss', loss],
    ['final train loss', 'final_train_loss', loss], ['time', 'seconds', dur]];

  function comparePage(page, ids) {
    page.replaceChildren(el('p', {}, el('a', {href: '#/'}, '\u2190 all runs')), el('h1', {}, 'Compare ' + ids.length + ' runs'));
    const body = el('div');
    page.appendChild(body);
    function refresh() {
      return Promise.all(ids.map(id => load('run', id).catch(e => ({id: id, name: id, run_id: '', status: 'unreadable',
        error: e.message})))).then(runs => drawCompare(body, runs));
    }
    onChange = changed => { if (changed.some(id => ids.includes(id))) refresh(); };
    return refresh();
  }

  function drawCompare(body, runs) {
    charts.splice(0).forEach(c => c.dispose());
    const label = r => runs.filter(x => x.name === r.name).length > 1 ? r.name + '/' + r.run_id : r.name;
    const ok = runs.filter(r => r.epochs);
    const grid = el('div', {class: 'grid'});
    const curves = (title, id, yname, field, scale) => {
      const c = card(title, id, () => {
        const rows = [];
        ok.forEach(r => r.epochs.forEach(e => rows.push({run: r.id, epoch: e.epoch, [field]: e[field]})));
        return rows;
      });
      grid.appendChild(c.card);
      return () => chart(c.node, {legend: {top: 0, type: 'scroll'}, xAxis: axis('epoch', {type: 'value', minInterval: 1, min: 1}),
        yAxis: yAxis(yname), series: ok.map(r => ({name: clean(label(r)), type: 'line',
          data: r.epochs.map(e => [e.epoch, scale ? pc(e[field]) : e[field]])}))});
    };
    const draws = [curves('Test accuracy', 'chart-compare-accuracy', 'test accuracy (%)', 'test_accuracy', true),
      curves('Test loss', 'chart-compare-test-loss', 'test loss', 'test_loss', false),
      curves('Train loss', 'chart-compare-train-loss', 'train loss', 'train_loss', false)];
    const it = card('Loss per iteration (smoothed)', 'chart-compare-iterations', () => {
      const rows = [];
      ok.forEach(r => smooth(r.iterations.loss, 0.9).forEach((v, i) => rows.push({run: r.id, iteration: i + 1,
        smoothed_loss: v})));
      return rows;
    });
    grid.appendChild(it.card);
    draws.push(() => chart(it.node, {legend: {top: 0, type: 'scroll'}, xAxis: axis('iteration', {type: 'value'}),
      yAxis: yAxis('loss'), dataZoom: [{type: 'inside'}], series: ok.map(r => ({name: clean(label(r)), type: 'line',
        showSymbol: false, data: smooth(r.iterations.loss, 0.9).map((v, i) => [i + 1, v])}))}));
    // metrics: one row per metric, one column per run, and the difference from the first run
    const mt = el('table', {id: 'metrics'}, el('thead', {}, el('tr', {}, el('th', {}, 'metric'),
      runs.map(r => el('th', {class: 'num'}, label(r))), runs.length === 2 ? el('th', {class: 'num'}, 'B \u2212 A') : null)),
      el('tbody', {}, METRICS.filter(([, key]) => runs.some(r => r[key] !== null && r[key] !== undefined))
        .map(([name, key, f]) => el('tr', {}, el('td', {}, name),
        runs.map(r => el('td', {class: 'num'}, f(r[key]))),
        runs.length === 2 ? el('td', {class: 'num'}, diffText(runs[0][key], runs[1][key], f)) : null))));
    // the experiment: only the keys whose values differ (layers by name: model.layers.conv1.conv.filters)
    const keys = [];
    runs.forEach(r => Object.keys(r.config || {}).forEach(k => { if (!keys.includes(k)) keys.push(k); }));
    const differ = keys.filter(k => new Set(runs.map(r => r.config && k in r.config
      ? 'v' + r.config[k] : 'absent')).size > 1);
    const ct = el('table', {id: 'config-diff'}, el('thead', {}, el('tr', {}, el('th', {}, 'key'),
      runs.map(r => el('th', {}, label(r))))), el('tbody', {}, differ.map(k => el('tr', {},
      el('td', {class: 'diff-key'}, k), runs.map(r => el('td', {class: 'value'}, r.config && k in r.config
        ? r.config[k] : '(absent)'))))));
    const errors = runs.filter(r => r.status === 'unreadable').map(r => el('div', {class: 'error'}, r.id + ': ' + r.error));
    body.replaceChildren(...errors, el('div', {class: 'kv'}, runs.map((r, i) => el('span', {},
      String.fromCharCode(65 + i) + ' ', el('a', {href: '#/run/' + encodeURIComponent(r.id)}, label(r)), ' ', status(r)))),
      grid, el('h2', {}, 'Metrics'), el('div', {class: 'table-wrap'}, mt),
      el('h2', {}, 'Experiment differences (' + differ.length + ' keys)'),
      differ.length ? el('div', {class: 'table-wrap'}, ct) : el('p', {class: 'muted'}, 'No differences in the experiment.'));
    draws.forEach(f => f());
  }
  function diffText(a, b, f) {
    if (a === null || b === null || a === undefined || b === undefined) return '\u2014';
    const d = b - a;
    if (f === pct) return (d >= 0 ? '+' : '') + (100 * d).toFixed(2) + ' pp';
    if (f === dur) return (d >= 0 ? '+' : '') + d.toFixed(1) + ' s';
    return (d >= 0 ? '+' : '') + d.toFixed(4);
  }

  // ---- Sweep

  function sweepPage(page, id) {
    page.replaceChildren(el('p', {}, el('a', {href: '#/'}, '\u2190 all runs')));
    const body = el('div');
    page.appendChild(body);
    function refresh() {
      return load('sweep', id).then(s => drawSweep(body, s));
    }
    onChange = ids => { if (ids.includes(id) || ids.some(x => x.startsWith(id + '/'))) refresh(); };
    return refresh();
  }

  function drawSweep(body, s) {
    charts.splice(0).forEach(c => c.dispose());
    if (s.error) {
      body.replaceChildren(el('h1', {}, s.name), el('div', {class: 'error'}, s.error));
      return;
    }
    const acc = s.metric.endsWith('accuracy');
    const mfmt = v => acc ? pct(v) : loss(v);
    const mval = v => v === null || v === undefined ? null : acc ? pc(v) : v;
    const done = s.trials.filter(t => t.metric !== null && t.metric !== undefined);
    const selected = el('span', {class: 'muted', id: 'brush-count'}, done.length + ' of ' + done.length + ' trials selected');
    // parallel coordinates: an axis per swept key (log for log-sampled ones), then the metric
    const pc1 = card('Parallel coordinates (drag along an axis to select)', 'chart-parallel', () => done.map(t => {
      const o = {trial: t.name};
      s.keys.forEach(k => { o[k.key] = t.values[k.key]; });
      o[s.metric] = t.metric;
      return o;
    }), true);
    const sc = card('Parameter against ' + s.metric, 'chart-scatter', () => done.map(t => {
      const o = {trial: t.name};
      s.keys.forEach(k => { o[k.key] = t.values[k.key]; });
      o[s.metric] = t.metric;
      return o;
    }), true);
    const xSel = el('select', {id: 'scatter-x'}, s.keys.map(k => el('option', {value: k.key}, k.key)));
    const cSel = el('select', {id: 'scatter-colour'}, el('option', {value: ''}, 'no colour'),
      s.keys.map(k => el('option', {value: k.key}, k.key)));
    if (s.keys.length > 1) cSel.value = s.keys[1].key;
    const trialsTable = el('table', {id: 'trials'});
    body.replaceChildren(el('h1', {}, s.name + ' / ' + s.run_id), el('div', {class: 'kv'},
      el('span', {}, 'trials ', el('b', {}, s.completed + ' of ' + s.trials_total + ' completed')),
      el('span', {}, 'metric ', el('b', {}, s.metric + ' (' + s.goal + ')')),
      el('span', {}, 'best ', el('b', {}, s.best ? s.best + ', ' + mfmt(s.best_metric) : '\u2014'))),
      el('div', {class: 'grid'}, pc1.card, el('div', {}, sc.card, el('div', {class: 'bar'}, 'x ', xSel, ' colour by ', cSel))),
      el('h2', {}, 'Trials ', selected), el('div', {class: 'table-wrap'}, trialsTable));
    const dims = s.keys.map((k, i) => axisFor(k, i, done));
    dims.push({dim: s.keys.length, name: s.metric + (acc ? ' (%)' : ''), type: 'value', scale: true,
      axisLabel: {formatter: v => num(v)}});
    const par = chart(pc1.node, {tooltip: {show: false}, parallel: {left: 70, right: 90, top: 50, bottom: 40},
      parallelAxis: dims, series: [{type: 'parallel', lineStyle: {width: 2, opacity: .7},
        inactiveOpacity: 0.06, activeOpacity: 1, data: done.map(t => s.keys.map(k => axisValue(k, t.values[k.key]))
          .concat([mval(t.metric)]))}]});
    let active = new Set(done.map(t => t.name));
    par.on('axisareaselected', () => {
      const idx = par.getModel().getSeries()[0].getRawIndicesByActiveState('active');
      active = new Set(idx.map(i => done[i].name));
      selected.textContent = active.size + ' of ' + done.length + ' trials selected';
      drawTrials();
    });
    const drawScatter = () => {
      const k = s.keys.find(x => x.key === xSel.value) || s.keys[0];
      const ck = s.keys.find(x => x.key === cSel.value);
      const data = done.map(t => ({value: [axisValue(k, t.values[k.key]), mval(t.metric),
        ck ? colourValue(ck, t.values[ck.key]) : 0], name: t.name}));
      const opt = {tooltip: {trigger: 'item', renderMode: 'richText', formatter: p => clean(p.name) + '\n'
          + k.key + ' = ' + clean(shown(k, p.value[0])) + '\n' + s.metric + ' = ' + num(p.value[1])
          + (ck ? '\n' + ck.key + ' = ' + clean(shownColour(ck, p.value[2])) : '')},
        grid: {left: 62, right: ck ? 110 : 24, top: 24, bottom: 50},
        xAxis: xAxisFor(k), yAxis: yAxis(s.metric + (acc ? ' (%)' : ''), {boundaryGap: ['8%', '8%']}),
        series: [{type: 'scatter', symbolSize: 14, data: data}]};
      if (ck) opt.visualMap = visualFor(ck, done);
      const c = charts.find(x => x.getDom() === sc.node);
      if (c) c.setOption(opt, true);
      else chart(sc.node, opt);
    };
    xSel.addEventListener('change', drawScatter);
    cSel.addEventListener('change', drawScatter);
    drawScatter();
    const cols = [{label: '#', key: 'index', num: true}, {label: 'trial', key: 'name'}]
      .concat(s.keys.map(k => ({label: k.key, key: 'v:' + k.key, num: k.numeric})))
      .concat([{label: 'status', key: 'status'}, {label: s.metric, key: 'metric', num: true},
        {label: 'time', key: 'seconds', num: true}]);
    const rows = () => s.trials.map(t => Object.assign({}, t, Object.fromEntries(s.keys.map(k => ['v:' + k.key,
      t.values[k.key]]))));
    const drawTrials = sortable(trialsTable, rows, cols, t => el('tr', {class: done.some(d => d.name === t.name)
      && !active.has(t.name) ? 'dim' : null, 'data-name': t.name},
      el('td', {class: 'num'}, t.index), el('td', {}, t.run ? el('a', {href: '#/run/' + encodeURIComponent(t.run)}, t.name)
        : t.name), s.keys.map(k => el('td', {class: k.numeric ? 'num' : 'value'}, t.shown[k.key])),
      el('td', {}, status(t)), el('td', {class: 'num'}, mfmt(t.metric)), el('td', {class: 'num'}, dur(t.seconds))),
      s.goal === 'max' ? 'metric' : null);
  }
  function categories(k, trials) {
    return Array.from(new Set(trials.map(t => t.shown[k.key])));
  }
  function axisFor(k, i, trials) {
    if (!k.numeric) return {dim: i, name: k.key, type: 'category', data: categories(k, trials).map(clean)};
    return {dim: i, name: k.key, type: k.log ? 'log' : 'value', scale: true, minInterval: k.integer ? 1 : 0,
      axisLabel: {formatter: v => num(v)}};
  }
  function axisValue(k, v) {
    return k.numeric ? v : clean(typeof v === 'string' ? v : JSON.stringify(v));
  }
  function xAxisFor(k) {
    if (!k.numeric) return {type: 'category', name: k.key, nameLocation: 'middle', nameGap: 28};
    return axis(k.key + (k.log ? ' (log scale)' : ''), {type: k.log ? 'log' : 'value', scale: true,
      minInterval: k.integer ? 1 : 0});
  }
  function shown(k, v) { return k.numeric ? num(v) : String(v); }
  /** Colour by a key: log-sampled ones by their log10 (so a decade is a step), categories by index. */
  function colourValue(k, v) {
    if (!k.numeric) return v === null ? '' : String(typeof v === 'string' ? v : JSON.stringify(v));
    return k.log ? Math.log10(v) : v;
  }
  function shownColour(k, v) { return k.numeric ? num(k.log ? Math.pow(10, v) : v) : v; }
  function visualFor(k, trials) {
    const colours = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
    if (!k.numeric) {
      const cats = Array.from(new Set(trials.map(t => colourValue(k, t.values[k.key]))));
      return {type: 'piecewise', dimension: 2, categories: cats, right: 4, top: 'middle', text: [clean(k.key)],
        showLabel: true,
        inRange: {color: cats.map((c, i) => PALETTE[i % PALETTE.length])}, formatter: v => clean(v)};
    }
    const vs = trials.map(t => colourValue(k, t.values[k.key]));
    const min = Math.min(...vs), max = Math.max(...vs);
    if (k.integer || new Set(vs).size <= 6) {
      const cats = Array.from(new Set(vs)).sort((a, b) => a - b);
      return {type: 'piecewise', dimension: 2, right: 4, top: 'middle', text: [clean(k.key)], showLabel: true,
        pieces: cats.map((v, i) => ({value: v, label: num(k.log ? Math.pow(10, v) : v),
          color: colours[cats.length === 1 ? 2 : Math.round(i * 4 / (cats.length - 1))]}))};
    }
    return {type: 'continuous', dimension: 2, min: min, max: max === min ? min + 1 : max, right: 4, top: 'middle',
      text: [clean(k.key), ''], calculable: false, inRange: {color: colours},
      formatter: v => num(k.log ? Math.pow(10, v) : v)};
  }

  // ------------------------------------------------------------------ routing

  function route() {
    charts.splice(0).forEach(c => c.dispose());
    onChange = null;
    const page = document.getElementById('page');
    const h = location.hash.replace(/^#\/?/, '');
    const [what, ...rest] = h.split('/');
    const arg = rest.join('/');
    let done;
    try {
      if (what === 'run' && arg) done = runPage(page, decodeURIComponent(arg));
      else if (what === 'compare' && arg) done = comparePage(page, arg.split(',').map(decodeURIComponent));
      else if (what === 'sweep' && arg) done = sweepPage(page, decodeURIComponent(arg));
      else done = runsPage(page);
    } catch (e) {
      done = Promise.reject(e);
    }
    Promise.resolve(done).then(() => { document.body.dataset.ready = location.hash || '#/'; })
      .catch(e => {
        page.appendChild(el('div', {class: 'error', id: 'page-error'}, String(e && e.message || e)));
        document.body.dataset.ready = location.hash || '#/';
      });
  }
  window.addEventListener('hashchange', () => { delete document.body.dataset.ready; route(); });
  window.addEventListener('resize', () => charts.forEach(c => c.resize()));
  if (!STATIC && window.EventSource) {
    const live = document.getElementById('live');
    const es = new EventSource('api/events');
    es.addEventListener('hello', () => { live.textContent = '\u25CF live'; });
    es.addEventListener('change', e => {
      const ids = JSON.parse(e.data).ids;
      document.body.dataset.changes = String(+(document.body.dataset.changes || 0) + 1);
      if (onChange) onChange(ids);
    });
    es.onerror = () => { live.textContent = 'reconnecting…'; };
  } else if (STATIC) {
    document.getElementById('live').textContent = 'static report';
  }
  route();
})();
