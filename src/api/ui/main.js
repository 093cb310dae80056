// main.js: loads the web UI's modules (each page registers itself with
// Y.view) and starts the router.
import { Y } from './core.js';
import './live.js';
import './chart.js';
import './worldmap.js';
import './dashboard.js';
import './alerts.js';
import './fim.js';
import './agents.js';
import './tickets.js';
import './attack.js';
import './admin.js';

window.addEventListener('hashchange', Y.render);
document.getElementById('signout').addEventListener('click', () => Y.signout(true));
document.getElementById('live').addEventListener('click', () => Y.live.toggle());
Y.render();
