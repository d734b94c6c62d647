'use client';
// A list that renders only the rows in view (plus a few), so 10,000 tasks or 100,000 log lines
// scroll as smoothly as 50. Rows have one fixed height. Arrow keys, Page Up/Down, Home and End
// move the focus between rows; the focused row is kept rendered.
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';

export interface VirtualListHandle {
  scrollToIndex(index: number, align?: 'start' | 'center' | 'end'): void;
  scrollToEnd(): void;
  /** True when the view shows the last row. */
  atEnd(): boolean;
  element(): HTMLDivElement | null;
}

interface Props {
  count: number;
  rowHeight: number;
  height: number | string;
  renderRow: (index: number, style: CSSProperties) => ReactNode;
  /** Extra rows rendered above and below the view. */
  overscan?: number;
  className?: string;
  /** Width of the content (for long lines that scroll sideways). */
  contentWidth?: number;
  onScroll?: (atEnd: boolean, userScrolled: boolean) => void;
  ariaLabel?: string;
  testId?: string;
}

export const VirtualList = forwardRef<VirtualListHandle, Props>(function VirtualList(
  { count, rowHeight, height, renderRow, overscan = 12, className, contentWidth, onScroll, ariaLabel, testId },
  ref,
) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const programmatic = useRef(false);

  const measure = useCallback(() => {
    const el = scroller.current;
    if (el) setView({ top: el.scrollTop, height: el.clientHeight });
  }, []);

  useEffect(() => {
    measure();
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [measure]);

  const atEnd = useCallback(() => {
    const el = scroller.current;
    return !el || el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight;
  }, [rowHeight]);

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index, align = 'center') {
        const el = scroller.current;
        if (!el) return;
        const top = index * rowHeight;
        const target = align === 'start' ? top : align === 'end' ? top - el.clientHeight + rowHeight : top - el.clientHeight / 2 + rowHeight / 2;
        programmatic.current = true;
        el.scrollTop = Math.max(0, target);
        measure();
      },
      scrollToEnd() {
        const el = scroller.current;
        if (!el) return;
        programmatic.current = true;
        el.scrollTop = el.scrollHeight;
        measure();
      },
      atEnd,
      element: () => scroller.current,
    }),
    [rowHeight, measure, atEnd],
  );

  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(renderRow(i, { top: i * rowHeight, height: rowHeight }));
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const el = scroller.current;
    if (!el) return;
    const focused = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-index]');
    const current = focused ? Number(focused.dataset.index) : -1;
    const page = Math.max(1, Math.floor(el.clientHeight / rowHeight) - 1);
    const moves: Record<string, number> = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: count - 1 };
    if (!(event.key in moves) || count === 0) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(count - 1, moves[event.key]));
    const top = next * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    measure();
    // The row exists after the render this scroll causes.
    requestAnimationFrame(() => {
      const row = el.querySelector<HTMLElement>(`[data-index="${next}"]`);
      (row?.matches('a, button, [tabindex]') ? row : row?.querySelector<HTMLElement>('a, button, [tabindex]'))?.focus({ preventScroll: true });
    });
  };

  return (
    <div
      ref={scroller}
      className={`vlist ${className ?? ''}`}
      style={{ height }}
      onScroll={() => {
        measure();
        const user = !programmatic.current;
        programmatic.current = false;
        onScroll?.(atEnd(), user);
      }}
      onKeyDown={onKeyDown}
      role="list"
      aria-label={ariaLabel}
      aria-rowcount={count}
      data-testid={testId}
      data-count={count}
    >
      <div className="vlist-inner" style={{ height: count * rowHeight, minWidth: contentWidth }}>
        {rows}
      </div>
    </div>
  );
});
