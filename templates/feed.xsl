<?xml version="1.0" encoding="utf-8"?>
<!--
  herald's feed stylesheet: shows rss.xml and atom.xml as a readable page when someone
  opens them in a browser. Feed readers ignore it.

  Yours to restyle: copy this file, edit it, and point `feeds.stylesheet` in herald.yaml
  at your copy (herald copies it to output_dir/feed.xsl on every build). Keep it XSLT 1.0
  (what browsers run), keep the CSS in the <style> element and add no script: `herald
  serve` sends a Content-Security-Policy that allows inline styles only.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    exclude-result-prefixes="atom content">
  <xsl:output method="html" encoding="utf-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
    <xsl:variable name="description"
        select="/rss/channel/description | /atom:feed/atom:subtitle"/>
    <xsl:variable name="home"
        select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
    <xsl:variable name="self"
        select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
    <html lang="{/rss/channel/language | /atom:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <style>
          :root { color-scheme: light dark; --accent: #1a56db; --muted: #5b6472; }
          @media (prefers-color-scheme: dark) { :root { --accent: #8ab4f8; --muted: #a0a8b4; } }
          body { font: 17px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
                 max-width: 42rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
          a { color: var(--accent); }
          header { border-bottom: 1px solid color-mix(in srgb, currentColor 20%, transparent);
                   padding-bottom: 1rem; margin-bottom: 1.5rem; }
          h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
          .about { background: color-mix(in srgb, var(--accent) 10%, transparent);
                   border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
          .about p { margin: .25rem 0; }
          .address { display: block; width: 100%; box-sizing: border-box; font: inherit;
                     font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
                     font-size: .9rem; padding: .4rem .5rem; margin-top: .25rem; }
          .muted { color: var(--muted); }
          ol { list-style: none; padding: 0; }
          li { margin: 0 0 1.5rem; }
          li h2 { font-size: 1.2rem; margin: 0; }
          time { font-size: .9rem; }
          li p { margin: .25rem 0 0; }
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="muted"><xsl:value-of select="$description"/></p>
          <div class="about">
            <p><strong>This is a web feed.</strong> Copy this address into your feed reader
              to follow new articles:</p>
            <input class="address" type="text" readonly="readonly" value="{$self}"
                aria-label="Feed address"/>
            <p class="muted">New to feeds? Any reader app (NetNewsWire, Feedly, Inoreader,
              Thunderbird…) takes this address. Or visit
              <a href="{$home}">the website</a>.</p>
          </div>
        </header>
        <main>
          <h2 class="muted">Recent articles</h2>
          <ol>
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time class="muted"><xsl:value-of select="substring(pubDate, 6, 11)"/></time>
      <!-- The description is HTML; when it is the whole content (the article has no
           summary), it is left out rather than shown as markup. -->
      <xsl:if test="description and string(description) != string(content:encoded)">
        <p><xsl:value-of select="description" disable-output-escaping="yes"/></p>
      </xsl:if>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h2>
        <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      </h2>
      <time class="muted"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <xsl:if test="atom:summary">
        <p><xsl:value-of select="atom:summary"/></p>
      </xsl:if>
    </li>
  </xsl:template>
</xsl:stylesheet>
