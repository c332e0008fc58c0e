import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { startTheme } from "./theme";

// Before the first paint of the app: light or dark as chosen.
startTheme();

const app = mount(App, { target: document.getElementById("app")! });

export default app;
