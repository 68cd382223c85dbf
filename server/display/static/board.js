// The wall display of a location's rooms: the roomBoard subscription over graphql-transport-ws,
// rendered large, reconnecting by itself. No framework and no build step.
"use strict";

(() => {
  const PROTOCOL = "graphql-transport-ws";
  const BOARD = `subscription Board($loc: ID!) {
    roomBoard(locationId: $loc) {
      seq at location { name }
      rooms { room { id name } state until current { title start end } next { title start end } }
    }
  }`;
  const VIEWER = "query Viewer { viewer { studio { name timezone } } }";
  const LABELS = {
    FREE: "Free",
    SETUP: "Setting up",
    IN_SESSION: "In session",
    TEARDOWN: "Turnaround",
    HELD: "Held",
    MAINTENANCE: "Maintenance",
  };
  const SILENCE_LIMIT_MS = 50000; // the server pings every 15 s; this long without a word means a dead link

  const locationId = decodeURIComponent(window.location.pathname.split("/").filter(Boolean).pop() || "");
  const storeKey = `callsheet.display.${locationId}`;
  const $ = (selector) => document.querySelector(selector);

  let timeZone;
  let socket = null;
  let attempts = 0;
  let lastHeard = Date.now();
  let reconnectTimer = null;

  function setStatus(status, text) {
    document.body.dataset.status = status;
    $("#status").textContent = text;
    if (status !== "refused") $("#notice-title").textContent = "";
  }

  function refused() {
    return document.body.dataset.status === "refused";
  }

  // Say why across the whole screen and drop the board: a wall that keeps showing rooms and a
  // ticking clock reads as live to anyone walking past, however small the warning.
  function refuse(title, text) {
    setStatus("refused", text);
    $("#notice-title").textContent = title;
    $("#rooms").replaceChildren();
    $("#clock").textContent = "";
    delete document.body.dataset.seq;
    document.title = "Not live · Callsheet";
  }

  // Time

  function format(iso, withDay) {
    const options = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (withDay) options.weekday = "short";
    if (timeZone) options.timeZone = timeZone;
    return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
  }

  function dayOf(date) {
    const options = { year: "numeric", month: "2-digit", day: "2-digit" };
    if (timeZone) options.timeZone = timeZone;
    return new Intl.DateTimeFormat("en-CA", options).format(date);
  }

  function when(iso) {
    return format(iso, dayOf(new Date(iso)) !== dayOf(new Date()));
  }

  function tick() {
    if (refused()) return;
    const options = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (timeZone) options.timeZone = timeZone;
    $("#clock").textContent = new Intl.DateTimeFormat(undefined, options).format(new Date());
  }

  // Rendering (text only: titles come from people, never from markup)

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function roomCard(status) {
    const card = el("section", "room");
    card.dataset.room = status.room.name;
    card.dataset.state = status.state;
    card.appendChild(el("h2", "", status.room.name));
    let label = LABELS[status.state] || status.state;
    if (!status.current && status.until) label += ` until ${when(status.until)}`;
    card.appendChild(el("div", "state", label));
    if (status.current) {
      const current = el("div", "current");
      current.appendChild(el("span", "title", status.current.title));
      current.appendChild(el("span", "when", ` until ${when(status.current.end)}`));
      card.appendChild(current);
    }
    const next = el("div", "next");
    if (status.next) {
      next.appendChild(el("span", "", "Next: "));
      next.appendChild(el("span", "title", status.next.title));
      next.appendChild(el("span", "when", ` at ${when(status.next.start)}`));
    } else {
      next.textContent = "Nothing booked next";
    }
    card.appendChild(next);
    return card;
  }

  function render(board) {
    $("#location").textContent = board.location.name;
    document.title = `${board.location.name} · Callsheet`;
    const rooms = $("#rooms");
    rooms.replaceChildren(...board.rooms.map(roomCard));
    if (board.rooms.length === 0) rooms.appendChild(el("p", "", "No rooms at this location."));
    document.body.dataset.seq = board.seq;
    setStatus("live", "Live");
  }

  // The token: from a one-time code, from the fragment, or kept from before

  async function obtainToken() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    const given = params.get("token");
    const code = params.get("code");
    if (given) {
      localStorage.setItem(storeKey, given);
      dropFragment();
      return given;
    }
    if (code) {
      for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
        setStatus("connecting", "Redeeming the display link…");
        let response;
        try {
          response = await fetch("/display/exchange", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ code }),
          });
        } catch (error) {
          await sleep(delay); // the server is unreachable: the code stays valid for a while, try again
          continue;
        }
        dropFragment();
        if (response.ok) {
          const body = await response.json();
          localStorage.setItem(storeKey, body.token);
          return body.token;
        }
        break;
      }
      if (!localStorage.getItem(storeKey)) {
        refuse("This display link is not valid any more", "Ask the studio for a new one (callsheet display-link).");
        return null;
      }
    }
    return localStorage.getItem(storeKey);
  }

  function dropFragment() {
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // The socket

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect(token) {
    reconnectTimer = null;
    // A refused display retries quietly: it only leaves the notice once it is shown a board again.
    if (!refused()) setStatus("connecting", attempts ? "Reconnecting…" : "Connecting…");
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + window.location.host + "/graphql", PROTOCOL);
    socket = ws;
    ws.onopen = () => {
      lastHeard = Date.now();
      send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    };
    ws.onmessage = (event) => {
      lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handle(message);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4403) {
        refuse(
          "This display's link was revoked or has expired",
          "Ask the studio for a new one. The rooms are not shown here until then.",
        );
        schedule(token, 60000);
      } else {
        const delay = Math.min(30000, 500 * 2 ** attempts) * (0.5 + Math.random());
        attempts += 1;
        if (!refused()) setStatus("connecting", "Reconnecting…");
        schedule(token, delay);
      }
    };
  }

  function schedule(token, delay) {
    if (reconnectTimer === null) reconnectTimer = setTimeout(() => connect(token), delay);
  }

  function handle(message) {
    switch (message.type) {
      case "connection_ack":
        attempts = 0;
        send({ id: "viewer", type: "subscribe", payload: { query: VIEWER } });
        send({ id: "board", type: "subscribe", payload: { query: BOARD, variables: { loc: locationId } } });
        break;
      case "ping":
        send({ type: "pong" });
        break;
      case "next":
        if (message.id === "viewer" && message.payload.data) {
          timeZone = message.payload.data.viewer.studio.timezone;
          tick();
        } else if (message.id === "board" && message.payload.data) {
          render(message.payload.data.roomBoard);
        }
        break;
      case "error":
        if (message.id === "board") {
          const first = (message.payload && message.payload[0]) || {};
          refuse("This display cannot show this board", first.message || "This display may not show this board.");
        }
        break;
      case "complete":
        if (message.id === "board" && socket) socket.close(1000, "board ended");
        break;
      default:
        break;
    }
  }

  function watchdog() {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastHeard > SILENCE_LIMIT_MS) {
      socket.close(4000, "silent server");
    }
  }

  async function start() {
    // A new link (or token) typed into the address of an open display takes effect at once.
    window.addEventListener("hashchange", () => window.location.reload());
    tick();
    setInterval(tick, 1000);
    setInterval(watchdog, 5000);
    if (!locationId) {
      refuse("No location in the address", "Open the display with a link from callsheet display-link.");
      return;
    }
    const token = await obtainToken();
    if (!token) {
      if (!refused()) {
        refuse("This display has no access yet", "Open it with a link from `callsheet display-link`.");
      }
      return;
    }
    connect(token);
  }

  start();
})();
