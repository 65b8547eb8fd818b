import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useRef } from 'react';

/**
 * Renders only the rows in view, so a list of thousands (agents, a long session's messages) stays
 * responsive. Rows may differ in height: each is measured once rendered.
 */
export function VirtualList<T>({
  items,
  estimateSize,
  renderItem,
  itemKey,
  label,
  className = 'virtual-list',
  stickToBottom = false,
}: {
  items: T[];
  estimateSize: number;
  renderItem: (item: T, index: number) => ReactNode;
  itemKey: (item: T) => string;
  label: string;
  className?: string;
  /** Starts at the end (a conversation). */
  stickToBottom?: boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => estimateSize,
    getItemKey: (index) => itemKey(items[index] as T),
    overscan: 8,
    initialOffset: stickToBottom ? Number.MAX_SAFE_INTEGER : 0,
  });
  return (
    // Chromium lets the keyboard focus and scroll a scrollable container by itself.
    <div ref={scroller} className={className}>
      <ul className="virtual-list-canvas" aria-label={label} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => (
          <li
            key={row.key}
            data-index={row.index}
            ref={virtualizer.measureElement}
            className="virtual-list-row"
            style={{ transform: `translateY(${row.start}px)` }}
          >
            {renderItem(items[row.index] as T, row.index)}
          </li>
        ))}
      </ul>
    </div>
  );
}
