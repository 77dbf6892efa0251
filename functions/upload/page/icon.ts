/** The app's icon (favicon and header logo): a photo frame flowing through three stages. */
export const icon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#a855f7"/></linearGradient></defs>
<rect width="64" height="64" rx="16" fill="url(#g)"/>
<rect x="12" y="17" width="26" height="22" rx="4" fill="none" stroke="#fff" stroke-width="3.5"/>
<path d="M14 36l7-7 5 5 3-3 7 7" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/>
<circle cx="31" cy="24" r="2.6" fill="#fff"/>
<circle cx="46" cy="22" r="3.2" fill="#fff" opacity=".95"/>
<circle cx="50" cy="34" r="3.2" fill="#fff" opacity=".75"/>
<circle cx="44" cy="45" r="3.2" fill="#fff" opacity=".55"/>
<path d="M20 47h14" stroke="#fff" stroke-width="3.5" stroke-linecap="round" opacity=".8"/>
</svg>
`;
