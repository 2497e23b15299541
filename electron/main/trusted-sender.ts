// Main's sender check, kept free of Electron so it can be tested in plain Node: which IPC senders
// may call the engine.

/** What the check needs of a frame (Electron's `WebFrameMain`). */
export interface FrameFacts {
  readonly processId: number;
  readonly routingId: number;
  readonly url: string;
  /** True for the top frame (`frame.parent === null`). */
  readonly isTop: boolean;
}

/**
 * True only when a call comes from the app window's own main frame showing an app URL: not a
 * sub-frame, not another window or web contents, not a page the window was navigated to, not a frame
 * that is gone (`sender` null). Frames are compared by process and routing ids, not by object: Electron
 * may hand out a new wrapper for the same frame.
 */
export function isTrustedFrame(
  sender: FrameFacts | null,
  fromAppWindow: boolean,
  mainFrame: Pick<FrameFacts, 'processId' | 'routingId'>,
  isAppUrl: (url: string) => boolean,
): boolean {
  return (
    sender !== null &&
    fromAppWindow &&
    sender.isTop &&
    sender.processId === mainFrame.processId &&
    sender.routingId === mainFrame.routingId &&
    isAppUrl(sender.url)
  );
}
