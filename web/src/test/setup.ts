import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => {
  if (typeof document === "undefined") return; // a node-environment file: no DOM to clean
  cleanup();
  localStorage.clear();
});
