// pageSession lives in src/http (shared by the hosted pages and the admin console, whose route
// folders may not import each other); the pages keep importing it from here.
export { pageSession, type PageSession } from '../../http/page-session';
