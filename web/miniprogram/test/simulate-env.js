// Renders the mini-program's pages with WeChat's own tools:
// miniprogram-simulate builds the component tree with j-component and
// exparser (the framework's component engine) into a jsdom DOM, compiling
// the pages' real WXML with WeChat's official compiler (wcc, from
// miniprogram-compiler) and their WXSS into scoped CSS.
//
// Pages are loaded as components (Page() definitions become Component()
// definitions whose methods include the page's lifecycle functions, which
// the tests call like the framework would). Built-in components that the
// framework implements natively (scroll-view, button, input) are registered
// as components that expose the properties the pages bind, so a test can
// read what the page asks of them: which element a scroll-view scrolls to,
// whether a button is disabled.
'use strict'

const path = require('node:path')
const fs = require('node:fs')
const { JSDOM } = require('jsdom')

const ROOT = path.join(__dirname, '..')

// A DOM for the whole test file (miniprogram-simulate needs window,
// document and the DOM's own Event classes).
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'https://servicewechat.com/', pretendToBeVisual: true })
for (const k of ['window', 'document', 'Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent', 'MutationObserver', 'getComputedStyle', 'Touch', 'TouchEvent', 'navigator', 'requestAnimationFrame', 'cancelAnimationFrame']) {
  Object.defineProperty(global, k, { value: dom.window[k], configurable: true, writable: true })
}

// Page(): a page definition as a component definition. The fields other
// than data and functions (the page's own state, such as unsubs) are
// copied onto each instance, as the framework does.
global.Page = def => {
  const methods = {}
  const fields = {}
  for (const k of Object.keys(def)) {
    if (k === 'data') continue
    if (typeof def[k] === 'function') methods[k] = def[k]
    else fields[k] = def[k]
  }
  global.Component({
    data: JSON.parse(JSON.stringify(def.data || {})),
    methods,
    lifetimes: {
      created () { Object.assign(this, JSON.parse(JSON.stringify(fields))) }
    }
  })
}

const simulate = require('miniprogram-simulate')
const jComponent = require('j-component')
const wxss = require('miniprogram-simulate/src/wxss')
const simulatedWx = global.wx

// app.wxss applies to every page, as in the mini-program (pages render with
// the class prefix main--).
wxss.insert(wxss.compile(wxss.getContent(path.join(ROOT, 'app.wxss')), { prefix: 'main' }), 'app-wxss')

// Built-in components with the properties the pages bind.
const scrolls = []
jComponent.register({
  id: 'scroll-view',
  tagName: 'wx-scroll-view',
  template: '<slot/>',
  properties: {
    scrollY: { type: Boolean, value: false },
    scrollIntoView: { type: String, value: '', observer (v) { if (v) scrolls.push(v) } }
  }
})
jComponent.register({
  id: 'button',
  tagName: 'wx-button',
  template: '<slot/>',
  properties: { disabled: Boolean, size: String, type: String, plain: Boolean }
})
jComponent.register({
  id: 'input',
  tagName: 'wx-input',
  template: '<slot/>',
  properties: { value: String, placeholder: String, maxlength: Number, confirmType: String }
})

// The app's page list, for the compiler.
const appJSON = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const wxmlList = appJSON.pages.map(p => p + '.wxml')

// renderPage loads pages/<name> with getApp() returning app and wx as the
// wx API, renders it and attaches it to the document. It returns the
// component wrapper: .instance is the page (this in its methods), .dom its
// DOM, querySelector/querySelectorAll find rendered nodes by WXML class or
// id, and dispatchEvent('tap') taps one.
function renderPage (name, app, wx) {
  global.getApp = () => app
  global.getCurrentPages = () => []
  global.wx = Object.assign(simulatedWx, wx)
  const id = simulate.load(path.join(ROOT, 'pages', name, 'index'), {
    rootPath: ROOT,
    compiler: 'official',
    compilerOptions: { wxmlList, wxsList: [] }
  })
  const page = simulate.render(id)
  const parent = document.createElement('parent-wrapper')
  document.body.appendChild(parent)
  page.attach(parent)
  return page
}

// text is the rendered text of a wrapper (whitespace collapsed).
function text (node) {
  return node ? node.dom.textContent.replace(/\s+/g, ' ').trim() : ''
}

// tap taps a rendered node and lets the handler run.
async function tap (node, detail) {
  if (!node) throw new Error('tap: no such node')
  node.dispatchEvent('tap', { detail: detail || {} })
  await simulate.sleep(0)
}

// type types into a rendered input (bindinput gets {value}).
async function type (node, value) {
  node.dispatchEvent('input', { detail: { value } })
  await simulate.sleep(0)
}

module.exports = { ROOT, simulate, renderPage, scrolls, text, tap, type, window: dom.window }
