// The window's shortcuts: F5 Build and Boot, Shift+F5 Stop, Ctrl/Cmd+B Build, F6 pause/resume
// the VM, F7 step one instruction, F8 Test, Shift+F8 the failed tests again.
export type Shortcut = 'buildAndBoot' | 'stop' | 'build' | 'pauseResume' | 'step' | 'test' | 'testFailed';

export function shortcutFor(event: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>): Shortcut | undefined {
  if (event.key === 'F5' && !event.ctrlKey && !event.metaKey && !event.altKey) return event.shiftKey ? 'stop' : 'buildAndBoot';
  if ((event.key === 'F6' || event.key === 'F7') && !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey) return event.key === 'F6' ? 'pauseResume' : 'step';
  if (event.key === 'F8' && !event.ctrlKey && !event.metaKey && !event.altKey) return event.shiftKey ? 'testFailed' : 'test';
  if ((event.key === 'b' || event.key === 'B') && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) return 'build';
  return undefined;
}

/**
 * What a key pressed inside the serial console's terminal is for: `leave` (Escape moves focus out
 * of it), `page` (the window's shortcuts and Tab navigation, which xterm would otherwise
 * swallow), or `terminal` (everything else: selection, scrolling keys).
 */
export function terminalKeyRole(event: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'altKey'>): 'leave' | 'page' | 'terminal' {
  if (event.key === 'Escape') return 'leave';
  if (event.key === 'Tab' || shortcutFor(event)) return 'page';
  return 'terminal';
}
