// Types for scripts/notebook-env.mjs (imported by the notebook tests).
export declare const repoRoot: string;
export declare const kernelName: "tslab";
export declare const denoKernelName: "deno";
export declare class NotebookEnvError extends Error {}
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env?: Record<string, string>;
  metadata: Record<string, unknown>;
}
export declare function linkSelf(root?: string): string;
export declare function kernelSpec(root?: string, nodePath?: string): KernelSpec;
export declare function writeKernelSpec(root?: string, nodePath?: string): string;
export declare function denoBinary(root?: string): string;
export declare function denoKernelSpec(root?: string, denoPath?: string): KernelSpec;
export declare function writeDenoKernelSpec(root?: string, denoPath?: string): string;
export declare function jupyterEnv(root?: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function checkNbconvert(env?: NodeJS.ProcessEnv): string;
export declare function checkNotebookServer(env?: NodeJS.ProcessEnv): string;
export declare function prepareNotebookEnv(options?: { root?: string; base?: NodeJS.ProcessEnv }): {
  env: NodeJS.ProcessEnv;
  kernelName: "tslab";
  kernelSpecPath: string;
  /** Undefined when the Deno binary is missing; `denoProblem` then says why. */
  denoKernelSpecPath: string | undefined;
  denoProblem: string | undefined;
  nbconvertVersion: string;
};
