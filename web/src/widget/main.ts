// The embeddable chat widget: <script src="https://askwell.example/widget.js"
// data-assistant="..." data-key="..." defer></script> puts a chat bubble on the page.
import { askTurn, newSessionId, WidgetError, type Turn } from "./chat";
import { ConfigError, findScript, readConfig, type WidgetConfig } from "./config";
import { mountView } from "./view";

export function start(config: WidgetConfig, container: HTMLElement = document.body): HTMLElement {
  const host = document.createElement("askwell-widget");
  container.append(host);
  const view = mountView(host, config.title, config.theme);
  const sessionId = newSessionId();
  const history: Turn[] = [];
  let busy = false;

  view.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = view.input.value.trim();
    if (!message || busy) return;
    busy = true;
    view.send.disabled = true;
    view.input.value = "";
    view.addUser(message);
    const bot = view.addBot();
    try {
      for await (const chatEvent of askTurn(config, sessionId, message, history.slice())) {
        bot.apply(chatEvent);
        view.log.scrollTop = view.log.scrollHeight;
      }
      history.push({ role: "user", content: message }, { role: "assistant", content: bot.text });
    } catch (error) {
      bot.el.remove();
      view.addError(error instanceof WidgetError ? error.message : "Something went wrong; please try again.");
    } finally {
      busy = false;
      view.send.disabled = false;
    }
  });
  return host;
}

const script = typeof document !== "undefined" ? findScript() : null;
if (script) {
  try {
    const config = readConfig(script);
    const run = () => start(config);
    if (document.body) run();
    else document.addEventListener("DOMContentLoaded", run, { once: true });
  } catch (error) {
    if (error instanceof ConfigError) console.error(error.message);
    else throw error;
  }
}
