// pgeval report: per-task example browser. Each task's rows come from data/<task>.js, a script
// loaded when its section is first opened (script tags load from disk where fetch() may not).
(function () {
  "use strict";
  const META = JSON.parse(document.getElementById("pgeval-meta").textContent);
  const PAGE = 50;
  const COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080"];
  const DATA = {};
  const STATE = {};
  const LOC = /((?:<loc\d{4}>){4})/g;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v; else node.setAttribute(k, v);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function fmt(score) { return score === null || score === undefined ? "–" : (+score).toFixed(2); }

  function boxes(text) {
    const out = [];
    for (const m of (text || "").matchAll(LOC)) {
      const v = m[1].match(/\d{4}/g).map(Number);
      if (v.every((x) => x < 1024)) out.push(v.map((x) => x / 1024));
    }
    return out;
  }

  window.PGEVAL_TASK = function (name, data) {
    DATA[name] = data;
    const section = document.getElementById("task-" + name);
    const sliceSelect = section.querySelector("select.slice");
    for (const s of data.sliceNames) if (s !== null) sliceSelect.appendChild(el("option", {value: s, text: s}));
    render(name);
  };

  function load(name) {
    if (DATA[name] || STATE[name].loading) return;
    STATE[name].loading = true;
    const task = META.tasks.find((t) => t.name === name);
    const script = el("script", {src: task.file});
    script.onerror = () => {
      document.querySelector("#task-" + name + " .count").textContent = "could not load " + task.file;
    };
    document.head.appendChild(script);
  }

  function searchText(d, i) {
    if (!d.search) d.search = [];
    if (d.search[i] === undefined) {
      const preds = d.preds.map((p) => p[i] || "").join("\n");
      d.search[i] = [d.ids[i], d.prompts[i] || "", (d.refs[i] || []).join("\n"), preds].join("\n").toLowerCase();
    }
    return d.search[i];
  }

  function view(name) {
    const d = DATA[name], s = STATE[name];
    let rows;
    if (s.sort === "order") rows = d.order.slice();
    else if (s.sort === "file") rows = d.ids.map((_, i) => i);
    else {
      const sc = d.scores[s.run], sign = s.sort === "asc" ? 1 : -1;
      rows = d.ids.map((_, i) => i).sort((a, b) => {
        const x = sc[a], y = sc[b];
        if (x === null && y === null) return a - b;
        if (x === null) return 1;
        if (y === null) return -1;
        return sign * (x - y) || a - b;
      });
    }
    if (s.slice !== "") rows = rows.filter((i) => d.sliceNames[d.slices[i]] === s.slice);
    if (s.changed) rows = rows.filter((i) => d.change[i]);
    const q = s.text.trim().toLowerCase();
    if (q) rows = rows.filter((i) => searchText(d, i).includes(q));
    return rows;
  }

  function mediaCell(d, i) {
    const td = el("td", {class: "media"});
    (d.thumbs[i] || []).forEach((t, k) => {
      const span = el("span", {class: "thumb"}, [el("img", {src: d.thumbFiles[t], loading: "lazy", alt: d.ids[i]})]);
      if (k === 0) {
        d.preds.forEach((p, r) => boxes(p[i]).forEach(([y1, x1, y2, x2]) => {
          const box = el("div", {class: "box", "data-run": r});
          box.style.cssText = `top:${100 * y1}%;left:${100 * x1}%;height:${100 * (y2 - y1)}%;` +
            `width:${100 * (x2 - x1)}%;border-color:${COLORS[r % COLORS.length]}`;
          span.appendChild(box);
        }));
      }
      td.appendChild(d.originals[t] ? el("a", {href: d.originals[t], target: "_blank"}, [span]) : span);
    });
    return td;
  }

  function row(d, i) {
    const id = el("td", {class: "id", text: d.ids[i]});
    const slice = d.sliceNames[d.slices[i]];
    if (slice !== null) id.appendChild(el("span", {class: "slice", text: slice}));
    const refs = el("td", {class: "refs"}, (d.refs[i] || []).map((r) => el("span", {class: "ref", text: r})));
    const cells = [id, mediaCell(d, i), el("td", {class: "prompt", text: d.prompts[i] || ""}), refs];
    d.preds.forEach((p, r) => {
      const text = p[i];
      const score = d.scores[r][i];
      const cls = "score" + (score === 100 ? " full" : score === 0 ? " zero" : "");
      cells.push(el("td", {class: "pred", "data-run": r}, [
        text === null ? el("div", {class: "empty", text: "not in this run"})
          : text.trim() === "" ? el("div", {class: "empty", text: "(empty)"}) : el("div", {class: "text", text: text}),
        el("div", {class: cls, text: fmt(score)})]));
    });
    if (META.runs.length > 1) {
      const c = d.change[i];
      cells.push(el("td", {class: "change" + (c < 0 ? " worse" : c > 0 ? " better" : ""),
        text: c === null ? "unpaired" : c === 0 ? "=" : (c > 0 ? "+" : "") + c.toFixed(2)}));
    }
    return el("tr", {"data-id": d.ids[i]}, cells);
  }

  function render(name) {
    const d = DATA[name], s = STATE[name];
    const section = document.getElementById("task-" + name);
    const rows = view(name);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    s.page = Math.min(s.page, pages - 1);
    const body = section.querySelector("tbody");
    body.replaceChildren(...rows.slice(s.page * PAGE, (s.page + 1) * PAGE).map((i) => row(d, i)));
    const first = rows.length ? s.page * PAGE + 1 : 0;
    section.querySelector(".count").textContent =
      `${first}–${Math.min(rows.length, (s.page + 1) * PAGE)} of ${rows.length} examples` +
      (rows.length !== d.ids.length ? ` (${d.ids.length} in all)` : "");
    section.querySelector(".prev").disabled = s.page === 0;
    section.querySelector(".next").disabled = s.page >= pages - 1;
  }

  function bind(section) {
    const name = section.dataset.task;
    const multi = META.runs.length > 1;
    STATE[name] = {sort: multi ? "order" : "file", run: 0, slice: "", text: "", changed: false, page: 0};
    const on = (sel, ev, f) => section.querySelector(sel).addEventListener(ev, (e) => {
      f(e.target); STATE[name].page = 0; if (DATA[name]) render(name);
    });
    on("select.sort", "change", (t) => { STATE[name].sort = t.value; });
    on("select.run", "change", (t) => { STATE[name].run = +t.value; });
    on("select.slice", "change", (t) => { STATE[name].slice = t.value; });
    on("input.text", "input", (t) => { STATE[name].text = t.value; });
    on("input.changed", "change", (t) => { STATE[name].changed = t.checked; });
    section.querySelector(".prev").addEventListener("click", () => { STATE[name].page--; render(name); });
    section.querySelector(".next").addEventListener("click", () => { STATE[name].page++; render(name); });
    section.addEventListener("toggle", () => { if (section.open) load(name); });
  }

  function openFromHash() {
    const section = location.hash.startsWith("#task-") && document.getElementById(location.hash.slice(1));
    if (section && section.tagName === "DETAILS") { section.open = true; load(section.dataset.task); }
  }

  document.querySelectorAll("details.task").forEach(bind);
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
})();
