// Citizen page: booking, joining with the SMS code, WebRTC with the officer, signature.
// Protocol (docs/gateway.md): hello → welcome; the page sends the offer (after ICE
// gathering completes) whenever the console is present; the console answers.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { demo: false, openid: "", slot: null, squads: [], call: null, docs: new Map(), served: new Map(), step: "" };

// Screen readers hear every change of stage and outcome (an assertive live region).
function announce(text) {
  const box = $("announcer");
  box.textContent = "";
  setTimeout(() => { box.textContent = text; }, 50);
}

// 长辈模式: larger type, higher contrast, bigger targets; remembered on this phone.
const ELDER_KEY = "oc_elder";
function setElder(on) {
  document.documentElement.classList.toggle("elder", on);
  $("elder_toggle").setAttribute("aria-pressed", on ? "true" : "false");
  $("elder_toggle").textContent = on ? "标准模式" : "长辈模式";
  try { localStorage.setItem(ELDER_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
}

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
    if (t === name) $("tab_" + t).setAttribute("aria-current", "page");
    else $("tab_" + t).removeAttribute("aria-current");
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
        const cancel = el("button", { type: "button", class: "link" }, "取消预约");
        cancel.addEventListener("click", () => confirmInline(row, "确定取消该预约吗？", async () => {
          try { await api("POST", `/api/v1/bookings/${b.id}/cancel`, { openid: state.openid }); show("预约已取消", "info"); loadMine(); }
          catch (e) { show(e.message); }
        }));
        row.append(cancel);
      }
      box.append(row);
    }
  } catch (e) { show(e.message); }
}

// A question inside the page (no browser dialog): 确定 / 不取消 buttons under the row.
function confirmInline(row, text, yes) {
  const old = row.querySelector(".confirm");
  if (old) old.remove();
  const box = el("div", { class: "confirm", role: "group", "aria-label": text },
    el("p", { class: "field_error" }, text));
  const ok = el("button", { type: "button", class: "secondary" }, "确定取消");
  const no = el("button", { type: "button", class: "secondary" }, "不取消");
  ok.addEventListener("click", () => { box.remove(); yes(); });
  no.addEventListener("click", () => box.remove());
  box.append(el("div", { class: "row" }, ok, no));
  row.append(box);
  ok.focus();
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
  resetProcedure();
  $("join_form").hidden = true;
  $("call").hidden = false;
  $("hangup").hidden = false;
  for (const id of ["hints", "videos_box", "call_status"]) $(id).hidden = false;
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
  watchConnection(pc);
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

// ---- connection watch (recovery and the poor-network notice; docs/gateway.md) ------------
// A connection "disconnected" for 2 s, or "failed", is renegotiated in the same room: a new
// peer connection (new ICE credentials and candidates, e.g. after Wi-Fi → 4G), no new code,
// the page stays. Every second the stats say whether the network is poor — loss ≥ 5 %, a
// round trip ≥ 400 ms, or no new picture for a second — shown in #call_network.
function watchConnection(pc) {
  const call = state.call;
  let note = $("call_network");
  if (!note) {
    note = el("p", { id: "call_network", class: "status poor", role: "status" });
    note.hidden = true;
    $("call_status").after(note);
  }
  let downSince = 0, last = null;
  const timer = setInterval(async () => {
    if (call.ended) note.hidden = true;
    if (call.ended || call.pc !== pc) { clearInterval(timer); return; }
    const s = pc.connectionState;
    if (s === "disconnected" || s === "failed") {
      downSince = downSince || Date.now();
      if (s === "failed" || Date.now() - downSince >= 2000) {
        clearInterval(timer);
        call.restarts = (call.restarts || 0) + 1;
        callStatus("网络已变化，正在重新连接……");
        makeOffer();
        return;
      }
    } else downSince = 0;
    let lost = 0, got = 0, frames = 0, rtt = null;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp") { lost += r.packetsLost || 0; got += r.packetsReceived || 0; }
      if (r.type === "inbound-rtp" && r.kind === "video") frames = r.framesDecoded || 0;
      if (r.type === "candidate-pair" && r.nominated && r.currentRoundTripTime != null) rtt = r.currentRoundTripTime;
    });
    let reason = "";
    if (s !== "connected") reason = "连接中断";
    else if (last) {
      const dl = lost - last.lost, dg = got - last.got;
      if (last.frames && frames === last.frames) reason = "画面停顿";
      else if (dl + dg > 0 && dl / (dl + dg) >= 0.05) reason = `丢包 ${Math.round(100 * dl / (dl + dg))}%`;
      else if (rtt !== null && rtt >= 0.4) reason = `延迟 ${Math.round(rtt * 1000)} ms`;
    }
    last = { lost, got, frames };
    note.textContent = reason ? `网络较差（${reason}），请尽量保持信号良好` : "";
    note.hidden = !reason;
  }, 1000);
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
  // What stays: the end's reason, the served documents (if any) and the join form, so a
  // fresh code re-enters the case without a reload.
  for (const id of ["hints", "videos_box", "notice_box", "procedure_documents", "procedure_stage", "signature_pad", "waiting_room"]) $(id).hidden = true;
  offerRejoin();
  announce("视频已结束。" + text + "如需继续，请输入民警新发送的验证码。");
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
const NOTICE_TITLES = { notice: "告知内容（请阅读）", confirmation: "处罚决定书（请核对后签名）" };

function resetProcedure() {
  state.docs = new Map();
  state.served = new Map();
  state.step = "";
  $("procedure_stage").hidden = true;
  $("procedure_steps").replaceChildren();
  $("served").hidden = true;
  $("served_documents").replaceChildren();
  $("procedure_documents").replaceChildren();
  $("procedure_documents").hidden = true;
  showProcedureNotice("");
  $("signature_pad").hidden = true;
  $("signature_status").textContent = "";
  $("signature_status").hidden = true;
}

function showProcedureStage(step, title) {
  const box = $("procedure_stage");
  const at = PROCEDURE_STEPS.indexOf(step);
  if (at < 0) return;
  const items = PROCEDURE_STEPS.map((s, i) => {
    const item = el("li", { class: i < at ? "done" : i === at ? "current" : "" }, PROCEDURE_LABELS[s]);
    if (i === at) item.setAttribute("aria-current", "step");
    return item;
  });
  $("procedure_steps").replaceChildren(...items);
  const text = title || PROCEDURE_LABELS[step];
  $("procedure_title").textContent = text;
  box.hidden = false;
  if (step !== state.step) {
    // what was read or signed for the last step is not this step's document
    showProcedureNotice("");
    $("signature_status").hidden = true;
    state.step = step;
    announce(`当前步骤：${PROCEDURE_LABELS[step]}。${text}`);
  }
  if (step === "done") showServed();
}

function showProcedureNotice(text) {
  $("notice").textContent = text || "";
  $("notice_title").textContent = NOTICE_TITLES[state.step] || "请阅读";
  $("notice_box").hidden = !text || state.served.size > 0;
  if (text && !$("notice_box").hidden) $("notice_box").scrollIntoView({ block: "nearest" });
}

function docLink(url, name) {
  return el("a", { href: url, target: "_blank", rel: "noopener" }, "查看" + name);
}

// Documents arrive one by one (drafts to read, then the served decision). One line per
// document (a re-sent link replaces the old one); once served, only 已送达 lists them.
function showProcedureDocument(url, title) {
  if (!url) return;
  const name = title || "处罚决定书";
  if (name.includes("决定书") && !name.includes("草稿")) {
    state.served.set(name, url);
    state.docs.delete(name);
    showServed();
  } else {
    state.docs.set(name, url);
  }
  const list = $("procedure_documents");
  list.replaceChildren(...[...state.docs].map(([n, u]) => el("li", {}, docLink(u, n))));
  list.hidden = state.docs.size === 0 || state.served.size > 0;
}

function showServed() {
  if (!state.served.size) return;
  $("served_documents").replaceChildren(...[...state.served].map(([n, u]) => el("li", {}, docLink(u, n))));
  const wasHidden = $("served").hidden;
  $("served").hidden = false;
  $("notice_box").hidden = true;
  $("procedure_documents").hidden = true;
  $("signature_status").hidden = true;
  if (wasHidden) announce("处罚决定书已送达，可点击查看。");
}

// ---- signature --------------------------------------------------------------------------
function clearSignature() {
  const canvas = $("signature_canvas");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  canvas.dataset.strokes = "0";
  $("signature_error").hidden = true;
}

// The pad shows what is being signed: the text the officer sent for this step and the
// documents' links, so nobody signs blind.
function openSignature(prompt) {
  clearSignature();
  if (prompt) $("signature_prompt").textContent = prompt;
  $("signature_document_title").textContent = "您签名确认的文书";
  const text = $("notice").textContent;
  $("signature_document_text").textContent = text;
  $("signature_document_text").hidden = !text;
  const links = [...state.docs, ...state.served].map(([n, u]) => el("li", {}, docLink(u, n)));
  $("signature_document_links").replaceChildren(...links);
  $("signature_document_links").hidden = !links.length;
  $("signature_document").hidden = !text && !links.length;
  $("signature_pad").hidden = false;
  $("signature_heading").focus();
  announce("请签名确认。" + (prompt || ""));
}

// The record the citizen is asked to sign (询问笔录, 告知笔录), shown above the pad; hidden
// when the request carries none (the decision's confirmation, the address confirmation).
function showSignedDocument(title, text) {
  if (!text) return; // no record: the pad keeps the step's own text (the decision at 确认)
  $("signature_document_title").textContent = title || "您签名确认的文书";
  $("signature_document_text").textContent = text;
  $("signature_document_text").hidden = false;
  $("signature_document").hidden = false;
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
  $("signature_clear").addEventListener("click", clearSignature);
  $("signature_submit").addEventListener("click", () => {
    if (+canvas.dataset.strokes < 3) {
      $("signature_error").textContent = "请先在框内签写姓名，再点“确认签名”。";
      $("signature_error").hidden = false;
      return;
    }
    send({ type: "signature", png: canvas.toDataURL("image/png") });
    $("signature_pad").hidden = true;
    $("signature_status").textContent = "签名已提交，请等待民警确认。";
    $("signature_status").hidden = false;
    announce("签名已提交，请等待民警确认。");
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
  let elder = false;
  try { elder = localStorage.getItem(ELDER_KEY) === "1"; } catch (e) { elder = false; }
  setElder(elder);
  $("elder_toggle").addEventListener("click", () => setElder($("elder_toggle").getAttribute("aria-pressed") !== "true"));
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
