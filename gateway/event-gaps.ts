// When the event bus loses events (its Redis connection dropped and came back), a subscription
// may have missed some of what it owes. Closing every WebSocket with 1013 "try again later" makes
// clients reconnect and resume from their last-seen position (taskLog fromLine,
// taskStatusChanged since), which reads the database and so sees what the bus dropped.
import type { WebSocketServer } from 'ws';
import type { Core } from '../entities/core';

const TRY_AGAIN_LATER = 1013;

export function closeSocketsOnEventGap(core: Core, wsServer: WebSocketServer): () => void {
  return core.events.onGap(() => {
    if (wsServer.clients.size) core.log.warn({ sockets: wsServer.clients.size }, 'the event bus reconnected: closing WebSockets so subscribers resume');
    for (const socket of wsServer.clients) socket.close(TRY_AGAIN_LATER, 'events may have been missed: resubscribe from your last position');
  });
}
