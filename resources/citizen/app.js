// Citizen page: booking, joining with the SMS code, WebRTC with the officer, signature.
// Protocol (docs/gateway.md): hello → welcome; the page sends the offer (after ICE
// gathering completes) whenever the console is present; the console answers.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { demo: false, openid: "", slot: null, squads: [], call: null };

function show(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = "message " + kind;
  box.hidden = !text;
  if (text) box.scrollIntoView({ block: "nearest" });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

async function api(method, path, body) {
  const headers = { "X-WeChat-OpenId": state.openid };
  const opts = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (e) {
    throw new Error("网络连接失败，请检查网络后重试");
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error((data.error && data.error.message) || "请求失败（" + resp.status + "）");
  return data;
}

function hhmm(iso) { return iso.slice(11, 16); }
function cnDate(iso) { const [y, m, d] = iso.slice(0, 10).split("-"); return `${y}年${+m}月${+d}日`; }
const WEEK = "日一二三四五六";
function weekday(iso) { return "周" + WEEK[new Date(iso.slice(0, 10) + "T00:00:00").getDay()]; }

// ---- tabs -------------------------------------------------------------------------------
function selectTab(name) {
  for (const t of ["book", "mine", "join"]) {
    $("panel_" + t).hidden = t !== name;
    $("tab_" + t).classList.toggle("active", t === name);
  }
  show("");
  if (name === "mine") loadMine();
}

// ---- booking ----------------------------------------------------------------------------
function kind() { return document.querySelector("input[name=kind]:checked").value; }

async function loadMe() {
  if (!state.openid) return;
  try {
    const me = await api("GET", "/api/v1/me");
    $("binding").textContent = me.bound
      ? `本微信已绑定手机号 ${me.phone_masked}，预约时不能更换。`
      : "首次预约时，手机号将与本微信绑定，之后不能更换。";
    return me;
  } catch (e) { $("binding").textContent = ""; }
}

async function loadSquads() {
  const data = await api("GET", "/api/v1/squads");
  state.squads = data.squads;
  const sel = $("squad");
  sel.replaceChildren(el("option", { value: "" }, "请选择办理大队"));
  for (const s of data.squads) sel.append(el("option", { value: s.id }, s.name));
}

async function loadSlots() {
  const squad = $("squad").value;
  const box = $("slots");
  state.slot = null;
  if (!squad) { box.replaceChildren(el("p", { class: "hint" }, "请先选择办理大队。")); return; }
  const data = await api("GET", `/api/v1/squads/${squad}/slots`);
  const urgent = kind() === "urgent";
  box.replaceChildren();
  for (const day of data.days) {
    if (!urgent && !day.normal) continue;
    const grid = el("div", { class: "slots" });
    for (const s of day.slots) {
      const b = el("button", { type: "button", class: "slot", "data-start": s.start },
        `${hhmm(s.start)}-${hhmm(s.end)}`, el("small", {}, s.remaining > 0 ? `余${s.remaining}` : "已满"));
      b.disabled = !s.bookable;
      b.addEventListener("click", () => {
        for (const o of box.querySelectorAll(".slot")) o.classList.remove("selected");
        b.classList.add("selected");
        state.slot = s.start;
      });
      grid.append(b);
    }
    if (!day.slots.length) grid.append(el("p", { class: "hint" }, "当天无可预约时段"));
    box.append(el("div", { class: "day" }, el("h3", {}, `${cnDate(day.date)} ${weekday(day.date)}`), grid));
  }
}

async function queryViolations() {
  show("");
  const plate = $("plate").value.trim();
  const box = $("violations");
  try {
    const data = await api("GET", "/api/v1/violations?plate=" + encodeURIComponent(plate));
    $("plate").value = data.plate;
    box.replaceChildren();
    if (!data.violations.length) box.append(el("p", { class: "hint" }, "该车辆没有待处理的违法记录。"));
    for (const v of data.violations) {
      box.append(el("label", { class: "check violation" },
        el("input", { type: "checkbox", class: "violation_box", value: v.id }),
        el("span", {}, v.behaviour, el("small", {}, `${v.occurred_at.slice(0, 16).replace("T", " ")} ${v.location} · 罚款${v.fine}元 · 记${v.points}分`))));
    }
  } catch (e) { show(e.message); }
}

function urgentDates() {
  const v = (id) => $(id).value || null;
  return {
    licence_first_issue: v("licence_first_issue"),
    vehicle_registration: v("vehicle_registration"),
    inspection_valid_until: v("inspection_valid_until"),
    vehicle_class: $("vehicle_class").value,
  };
}

async function checkUrgent() {
  try {
    const r = await api("POST", "/api/v1/urgent-check", urgentDates());
    $("urgent_result").textContent = r.message;
    $("urgent_result").style.color = r.eligible ? "#2e7d32" : "#c62828";
  } catch (e) { show(e.message); }
}

async function submitBooking() {
  show("");
  const ids = [...document.querySelectorAll(".violation_box:checked")].map((b) => +b.value);
  if (!state.slot) { show("请选择预约时段"); return; }
  const body = {
    openid: state.openid, name: $("name").value, id_number: $("id_number").value,
    phone: $("phone").value, plate: $("plate").value, violation_ids: ids,
    squad_id: +$("squad").value, slot_start: state.slot, urgent: kind() === "urgent",
  };
  if (body.urgent) Object.assign(body, urgentDates());
  $("submit_booking").disabled = true;
  try {
    const { booking } = await api("POST", "/api/v1/bookings", body);
    const box = $("booking_result");
    box.replaceChildren(
      el("h2", {}, "预约成功"),
      el("p", {}, `${booking.squad_name} ${cnDate(booking.slot_start)} ${hhmm(booking.slot_start)}-${hhmm(booking.slot_end)}${booking.urgent ? "（加急）" : ""}`),
      el("p", {}, `车牌 ${booking.plate}，违法记录 ${booking.violation_count} 条`),
      el("p", { class: "hint" }, "请准备好身份证，保持手机畅通。民警将在预约时段来电并发送短信验证码，届时点击“进入视频”输入验证码。"));
    box.hidden = false;
    box.scrollIntoView();
    loadMe();
    loadSlots();
  } catch (e) { show(e.message); } finally { $("submit_booking").disabled = false; }
}

async function loadMine() {
  const box = $("my_bookings");
  try {
    const me = await api("GET", "/api/v1/me");
    box.replaceChildren();
    if (!me.bookings.length) box.append(el("p", { class: "hint" }, "暂无预约。"));
    for (const b of me.bookings) {
      const row = el("div", { class: "booking" },
        el("span", { class: "state" }, b.status_label),
        el("div", {}, `${cnDate(b.slot_start)} ${hhmm(b.slot_start)}-${hhmm(b.slot_end)}${b.urgent ? "（加急）" : ""}`),
        el("small", { class: "hint" }, `${b.squad_name} · ${b.plate}`));
      if (b.cancellable) {
        row.append(el("button", { type: "button", class: "link", onclick: async () => {
          if (!confirm("确定取消该预约吗？")) return;
          try { await api("POST", `/api/v1/bookings/${b.id}/cancel`, { openid: state.openid }); show("预约已取消", "info"); loadMine(); }
          catch (e) { show(e.message); }
        } }, "取消预约"));
      }
      box.append(row);
    }
  } catch (e) { show(e.message); }
}

// ---- video ------------------------------------------------------------------------------
function callStatus(text) { $("call_status").textContent = text; }

async function join() {
  show("");
  $("join_button").disabled = true;
  try {
    const data = await api("POST", "/api/v1/join", { phone: $("join_phone").value, code: $("join_code").value.trim() });
    let media = null;
    try {
      media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true });
    } catch (e) {
      show("无法打开摄像头或麦克风，请在浏览器设置中允许后重新进入");
    }
    saveWaitingRoomCall(data);
    startCall(data, media);
  } catch (e) { show(e.message); } finally { $("join_button").disabled = false; }
}

function startCall(data, media) {
  const old = state.call;
  if (old && !old.ended) {  // re-entered with a fresh code while the old call still hung on
    old.ended = true;
    clearInterval(old.ping);
    if (old.pc) old.pc.close();
    if (old.ws && old.ws.readyState <= 1) old.ws.close();
    if (old.media && old.media !== media) for (const t of old.media.getTracks()) t.stop();
  }
  $("join_form").hidden = true;
  $("hangup").hidden = false;
  $("call").hidden = false;
  $("hints").replaceChildren(...data.hints.map((h) => el("li", {}, h)));
  if (media) $("local_video").srcObject = media;
  state.call = { data, media, ws: null, pc: null, ended: false, retries: 0, ping: null };
  connectSignaling();
}

function send(msg) {
  const ws = state.call && state.call.ws;
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function connectSignaling() {
  const call = state.call;
  const proto = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(proto + location.host + call.data.ws_url);
  call.ws = ws;
  ws.onopen = () => ws.send(JSON.stringify({ type: "hello", role: "citizen", token: call.data.token }));
  ws.onmessage = (ev) => onSignal(JSON.parse(ev.data));
  ws.onclose = (ev) => {
    clearInterval(call.ping);
    if (call.ended) return;
    if (ev.code === 4000) { endCall("您已在其他页面进入视频。"); return; }
    if (ev.code === 4401 || ev.code === 4404 || ev.code === 4410) {
      endCall("视频已结束或凭证失效，如需继续请等待民警重新发送验证码。"); return;
    }
    if (call.retries++ < 5) { callStatus("网络中断，正在重新连接……"); setTimeout(connectSignaling, 1500 * call.retries); }
    else endCall("网络连接失败，请等待民警重新发送验证码后再次进入。");
  };
}

async function onSignal(msg) {
  const call = state.call;
  switch (msg.type) {
    case "welcome":
      call.retries = 0;
      call.ping = setInterval(() => send({ type: "ping" }), 15000);
      callStatus(msg.peer_present ? "民警已在线，正在建立视频……" : "已进入，等待民警接入……");
      showWaitingRoom(msg);
      if (msg.peer_present) await makeOffer();
      break;
    case "peer_joined":
      hideWaitingRoom();
      callStatus("民警已接入，正在建立视频……");
      await makeOffer();
      break;
    case "peer_left":
      callStatus("民警连接中断，请保持在本页面等待。");
      break;
    case "answer":
      if (call.pc) await call.pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      break;
    case "candidate":
      if (call.pc && msg.candidate) await call.pc.addIceCandidate(msg.candidate).catch(() => {});
      break;
    case "request_signature":
      openSignature(msg.prompt);
      showSignedDocument(msg.title, msg.document);
      break;
    case "stage":
      showProcedureStage(msg.step, msg.title);
      break;
    case "document":
      showProcedureDocument(msg.url, msg.title);
      break;
    case "notice":
      showProcedureNotice(msg.text);
      break;
    case "bye":
      endCall("民警已结束视频，感谢您的配合。");
      break;
    case "room_closed":
      endCall("视频已结束。");
      break;
    case "error":
      if (msg.code !== "peer_absent") callStatus(msg.message);
      break;
  }
}

async function makeOffer() {
  const call = state.call;
  if (call.pc) call.pc.close();
  const pc = new RTCPeerConnection({ iceServers: call.data.ice_servers });
  call.pc = pc;
  if (call.media) for (const t of call.media.getTracks()) pc.addTrack(t, call.media);
  else { pc.addTransceiver("video", { direction: "recvonly" }); pc.addTransceiver("audio", { direction: "recvonly" }); }
  pc.ontrack = (ev) => { $("remote_video").srcObject = ev.streams[0] || new MediaStream([ev.track]); };
  pc.onconnectionstatechange = () => {
    const s = pc.connectionState;
    if (s === "connected") callStatus("视频已接通");
    else if (s === "disconnected") callStatus("网络不稳定，正在恢复……");
    else if (s === "failed") {  // resume: the officer re-sends a code, the citizen re-enters
      callStatus("视频连接中断：请留在本页面，民警将重新发送验证码，收到后在上方输入重新进入");
      offerRejoin();
    }
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {  // no trickle: the offer carries every candidate
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(resolve, 5000);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
  if (call.pc === pc) send({ type: "offer", sdp: pc.localDescription.sdp });
}

function endCall(text) {
  const call = state.call;
  if (!call || call.ended) return;
  call.ended = true;
  clearInterval(call.ping);
  if (call.pc) call.pc.close();
  if (call.media) for (const t of call.media.getTracks()) t.stop();
  if (call.ws && call.ws.readyState <= 1) call.ws.close();
  callStatus(text);
  $("hangup").hidden = true;
  forgetWaitingRoomCall();
  offerRejoin();
}

// Resume: after any end of the call (the officer's hang-up, a drop, a console restart, a
// gateway instance gone) the join form comes back, so a fresh code re-enters the case; the
// officer's wizard then tells the new page the first incomplete step.
function offerRejoin() {
  $("join_form").hidden = false;
  $("join_code").value = "";
  $("join_button").disabled = false;
}

// ---- waiting room ------------------------------------------------------------------------
// The citizen may enter the code before the officer pressed 开始视频: the gateway admits them
// to the room and they wait there. The room token (not the code: it is single-use) is kept
// in sessionStorage, so reloading this tab within the token's validity re-enters the same
// room; a closed tab or an expired token needs a fresh code from the officer.
const WAITING_KEY = "oc_room_call";

function showWaitingRoom(msg) {
  if (!msg.waiting) return;
  callStatus("已进入等候，民警即将接通");
  $("waiting_room").hidden = false;
}

function hideWaitingRoom() {
  $("waiting_room").hidden = true;
}

function saveWaitingRoomCall(data) {
  try { sessionStorage.setItem(WAITING_KEY, JSON.stringify(data)); } catch (e) { /* private mode */ }
}

function forgetWaitingRoomCall() {
  try { sessionStorage.removeItem(WAITING_KEY); } catch (e) { /* private mode */ }
  hideWaitingRoom();
}

async function resumeWaitingRoomCall() {
  let data = null;
  try { data = JSON.parse(sessionStorage.getItem(WAITING_KEY) || "null"); } catch (e) { data = null; }
  // expiry is the gateway's to judge (a phone's clock may be wrong): 4401 ends the call
  if (!data || !data.token) { forgetWaitingRoomCall(); return; }
  selectTab("join");
  let media = null;
  try {
    media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: true });
  } catch (e) {
    show("无法打开摄像头或麦克风，请在浏览器设置中允许后重新进入");
  }
  startCall(data, media);
}

// ---- procedure: stage, notice read-along, documents (the officer's wizard drives these) ---
const PROCEDURE_STEPS = ["inquiry", "notice", "ruling", "confirmation", "service", "done"];
const PROCEDURE_LABELS = { inquiry: "询问", notice: "告知", ruling: "裁决", confirmation: "确认", service: "送达", done: "办结" };

function showProcedureStage(step, title) {
  const box = $("procedure_stage");
  const at = PROCEDURE_STEPS.indexOf(step);
  if (at < 0) return;
  const items = PROCEDURE_STEPS.map((s, i) =>
    el("li", { class: i < at ? "done" : i === at ? "current" : "" }, PROCEDURE_LABELS[s]));
  $("procedure_steps").replaceChildren(...items);
  $("procedure_title").textContent = title || PROCEDURE_LABELS[step];
  box.hidden = false;
}

function showProcedureNotice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
  if (text) $("notice").scrollIntoView({ block: "nearest", behavior: "smooth" });
}

// Documents arrive one by one (drafts to read, then the served decision); the
// 查看处罚决定书 button appears only once a served decision has been sent.
function showProcedureDocument(url, title) {
  if (!url) return;
  const name = title || "处罚决定书";
  const list = $("procedure_documents");
  const link = el("a", { href: url, target: "_blank", rel: "noopener" }, "查看" + name);
  list.append(el("li", {}, link));
  list.hidden = false;
  if (name.includes("决定书") && !name.includes("草稿")) {
    $("document_link").href = url;
    $("document_link").textContent = "查看处罚决定书";
    $("document_link").hidden = false;
  }
}

// ---- signature --------------------------------------------------------------------------
function openSignature(prompt) {
  const canvas = $("signature_canvas");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.strokes = "0";
  if (prompt) $("signature_prompt").textContent = prompt;
  $("signature_pad").hidden = false;
}

// The record the citizen is asked to sign (询问笔录, 告知笔录), shown above the pad; hidden
// when the request carries none (the decision's confirmation, the address confirmation).
function showSignedDocument(title, text) {
  $("signature_document_title").textContent = title || "";
  $("signature_document_text").textContent = text || "";
  $("signature_document").hidden = !text;
}

function setupSignature() {
  const canvas = $("signature_canvas");
  const ctx = canvas.getContext("2d");
  let drawing = false;
  const pos = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * canvas.width / r.width, (ev.clientY - r.top) * canvas.height / r.height];
  };
  canvas.addEventListener("pointerdown", (ev) => {
    drawing = true; canvas.setPointerCapture(ev.pointerId);
    ctx.lineWidth = 5; ctx.lineCap = "round"; ctx.strokeStyle = "#000";
    ctx.beginPath(); ctx.moveTo(...pos(ev));
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drawing) return;
    ctx.lineTo(...pos(ev)); ctx.stroke();
    canvas.dataset.strokes = String(+canvas.dataset.strokes + 1);
  });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  $("signature_clear").addEventListener("click", () => openSignature());
  $("signature_submit").addEventListener("click", () => {
    if (+canvas.dataset.strokes < 3) { alert("请先签名"); return; }
    send({ type: "signature", png: canvas.toDataURL("image/png") });
    $("signature_pad").hidden = true;
    callStatus("签名已提交");
  });
}

// ---- start ------------------------------------------------------------------------------
async function showDemoSms() {
  try {
    const r = await api("GET", "/api/v1/demo/sms?phone=" + encodeURIComponent($("join_phone").value));
    $("demo_sms_text").textContent = r.text;
  } catch (e) { $("demo_sms_text").textContent = e.message; }
  $("demo_sms_text").hidden = false;
}

async function init() {
  for (const t of document.querySelectorAll(".tab")) t.addEventListener("click", () => selectTab(t.dataset.tab));
  $("query_violations").addEventListener("click", queryViolations);
  $("squad").addEventListener("change", () => loadSlots().catch((e) => show(e.message)));
  for (const r of document.querySelectorAll("input[name=kind]")) {
    r.addEventListener("change", () => {
      $("urgent_fields").hidden = kind() !== "urgent";
      loadSlots().catch((e) => show(e.message));
    });
  }
  $("check_urgent").addEventListener("click", checkUrgent);
  $("submit_booking").addEventListener("click", submitBooking);
  $("join_button").addEventListener("click", join);
  $("demo_sms").addEventListener("click", showDemoSms);
  $("hangup").addEventListener("click", () => { send({ type: "bye", reason: "citizen_left" }); endCall("您已退出视频。"); });
  setupSignature();
  selectTab(location.pathname === "/join" ? "join" : "book");
  try {
    const health = await api("GET", "/api/v1/health");
    state.demo = health.demo;
  } catch (e) { show(e.message); }
  state.openid = localStorage.getItem("oc_openid") || "";
  if (state.demo) {
    if (!state.openid) state.openid = "demo-" + Math.random().toString(36).slice(2, 12);
    $("demo_identity").hidden = false;
    $("openid").value = state.openid;
    $("openid").addEventListener("change", () => {
      state.openid = $("openid").value.trim();
      localStorage.setItem("oc_openid", state.openid);
      loadMe();
    });
    $("demo_sms").hidden = false;
  }
  if (state.openid) localStorage.setItem("oc_openid", state.openid);
  try { await loadSquads(); } catch (e) { show(e.message); }
  loadMe();
  resumeWaitingRoomCall();
}

init();
