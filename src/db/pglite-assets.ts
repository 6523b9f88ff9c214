// Imported as files so `bun build --compile` embeds them: the binary needs nothing beside it.

import fsBundlePath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import wasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };
import clusterTemplatePath from "../../assets/pglite-cluster-template.tar.gz" with { type: "file" };

export const pgliteAssets = { clusterTemplatePath, fsBundlePath, wasmPath };
