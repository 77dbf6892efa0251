/** Base class of every error the infra scripts throw on purpose; `message` is one line. */
export class InfraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A tool the scripts need (java, mvn, go) is not on PATH or is too old. */
export class MissingToolError extends InfraError {
  constructor(
    readonly tool: string,
    detail: string,
  ) {
    super(`${tool} is required but ${detail}`);
  }
}

/** A port we want to listen on answers, and the process behind it is not one we started. */
export class PortTakenError extends InfraError {
  constructor(
    readonly service: string,
    readonly address: string,
    hint: string,
  ) {
    super(`${service}: ${address} is already in use by a process this repo did not start; ${hint}`);
  }
}

/** A command (mvn, go install, StorageTool) could not run or exited non-zero. */
export class CommandFailedError extends InfraError {
  constructor(
    readonly command: string,
    /** "exit 1", "signal SIGKILL" or "spawn error". */
    readonly outcome: string,
    /** Its last output lines. */
    readonly outputTail: string[],
  ) {
    super(`\`${command}\` failed (${outcome}): ${outputTail.at(-1) ?? 'no output'}`);
  }
}

/** A server process exited during start-up or never became ready before its deadline. */
export class ServiceStartError extends InfraError {
  constructor(
    readonly service: string,
    reason: string,
    readonly logFile: string,
  ) {
    super(`${service} did not start: ${reason} (see ${logFile})`);
  }
}

/** An environment variable or option has an invalid value. */
export class InfraConfigError extends InfraError {}
